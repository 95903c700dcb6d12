package io.kvstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The import reader against the writer: whatever Output writes as json or yaml reads back equal. */
class DocumentReaderTest {

    @Test
    void exportShapedDocumentsRoundTripThroughJsonAndYaml() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            Map<String, Object> doc = document(random);
            assertEquals(doc, DocumentReader.read(Output.json(doc)), "json round " + round);
            assertEquals(doc, DocumentReader.read(Output.yaml(doc, 0, false)), "yaml round " + round + ":\n"
                    + Output.yaml(doc, 0, false));
        }
    }

    private static Map<String, Object> document(Random random) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", "kvctl-export/1");
        doc.put("root", "/app");
        doc.put("revision", (long) random.nextInt(1000));
        List<Object> znodes = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
            Map<String, Object> z = new LinkedHashMap<>();
            z.put("path", "k" + i);
            z.put("value", text(random));
            if (random.nextBoolean()) {
                z.put("encoding", "base64");
            }
            znodes.add(z);
        }
        doc.put("znodes", znodes);
        return doc;
    }

    /** Text with the characters that need care: quotes, backslashes, newlines, '#', ': ', '- ', unicode, controls. */
    private static String text(Random random) {
        String alphabet = "ab \"\\\n\t#:-'{}[]|>é€\u0001 0";
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void handEditedYamlWithCommentsPlainAndSingleQuotedScalars() {
        Object doc = DocumentReader.read("""
                # config for app, kept in git
                format: kvctl-export/1
                root: /app
                znodes:
                - path: db/url      # plain scalar
                  value: jdbc:postgresql://db/app
                - path: 'db/pool'
                  value: 16
                - path: motd
                  value: "hello\\nworld # not a comment"
                """);
        ExportDocument parsed = ExportDocument.parse(doc);
        assertEquals("/app", parsed.root());
        assertEquals("jdbc:postgresql://db/app", new String(parsed.znodes().get("db/url")));
        assertEquals("16", new String(parsed.znodes().get("db/pool")));
        assertEquals("hello\nworld # not a comment", new String(parsed.znodes().get("motd")));
    }

    @Test
    void unsupportedYamlAndBadJsonNameTheLine() {
        IllegalArgumentException block = assertThrows(IllegalArgumentException.class,
                () -> DocumentReader.read("a: 1\nb: |\n  text\n"));
        assertTrue(block.getMessage().contains("line 2"), block.getMessage());
        IllegalArgumentException json = assertThrows(IllegalArgumentException.class,
                () -> DocumentReader.read("{\"a\":\n 1,,}"));
        assertTrue(json.getMessage().contains("JSON line 2"), json.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DocumentReader.read("a: 1\na: 2\n"));
    }

    @Test
    void exportDocumentValidation() {
        assertThrows(IllegalArgumentException.class, () -> ExportDocument.parse(DocumentReader.read(
                "{\"format\":\"other\",\"root\":\"/a\",\"znodes\":[]}")));
        assertThrows(IllegalArgumentException.class, () -> ExportDocument.parse(DocumentReader.read(
                "{\"format\":\"kvctl-export/1\",\"root\":\"/a\",\"znodes\":[{\"path\":\"x\",\"value\":\"!\","
                        + "\"encoding\":\"base64\"}]}")));
        ExportDocument ok = ExportDocument.parse(DocumentReader.read(
                "{\"format\":\"kvctl-export/1\",\"root\":\"/a\",\"znodes\":[{\"path\":\"x\",\"value\":\"AP8=\","
                        + "\"encoding\":\"base64\"}]}"));
        assertEquals(2, ok.znodes().get("x").length);
        assertEquals("/b/x", ExportDocument.absolute("/b", "x"));
        assertEquals("/x", ExportDocument.absolute("/", "x"));
        assertEquals("/b", ExportDocument.absolute("/b", "."));
    }

    @Test
    void tableColumnsAlign() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("endpoint", "127.0.0.1:7379");
        a.put("dbSizeBytes", 12L);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("endpoint", "h:1");
        b.put("dbSizeBytes", null);
        Output.table(new java.io.PrintStream(bytes, true), List.of(a, b));
        assertEquals("ENDPOINT        DB_SIZE_BYTES\n127.0.0.1:7379  12\nh:1             -\n", bytes.toString());
    }
}
