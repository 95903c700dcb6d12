package io.kvstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvstore.client.Compare;
import io.kvstore.client.CompareOp;
import io.kvstore.client.DeleteOptions;
import io.kvstore.client.PutOptions;
import io.kvstore.client.Txn;
import io.kvstore.client.TxnOp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TxnScriptTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyStatementForm() throws Exception {
        Txn txn = TxnScript.parse(String.join("\n",
                "compare version /a != 0   # trailing comment",
                "compare mod_revision /a < 10",
                "compare create_revision /a > 1",
                "compare value /a = \"x\\\"y\"",
                "compare exists /b != true",
                "",
                "success create /b \"\" parents",
                "success put /a v2 if-version=3 parents",
                "success delete /c if-version=2 recursive",
                "failure get /a"));
        assertEquals(List.of(Compare.version("/a", CompareOp.NOT_EQUAL, 0),
                Compare.modRevision("/a", CompareOp.LESS, 10), Compare.createRevision("/a", CompareOp.GREATER, 1),
                Compare.value("/a", CompareOp.EQUAL, utf8("x\"y")), Compare.notExists("/b")), txn.compares());
        assertEquals(List.of(TxnOp.create("/b", new byte[0], io.kvstore.client.CreateOptions.MAKE_PARENTS),
                TxnOp.put("/a", utf8("v2"), PutOptions.ifVersion(3).withMakeParents()),
                TxnOp.delete("/c", DeleteOptions.ifVersion(2).withRecursive())), txn.success());
        assertEquals(List.of(TxnOp.get("/a")), txn.failure());
    }

    @Test
    void quotedWordsKeepSpacesAndEscapes() throws Exception {
        assertEquals(List.of("put", "/a", "two words\n\t\\", "x"),
                TxnScript.words("put /a \"two words\\n\\t\\\\\" x", 1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                 | line 1: empty txn: no compare, success or failure lines",
        "'# only a comment'                 | line 1: empty txn: no compare, success or failure lines",
        "'then put /a v'                    | line 1: expected compare, success or failure, got 'then'",
        "'compare version /a = x'           | line 1: expected a number, got 'x'",
        "'compare version /a ~ 3'           | line 1: unknown operator '~' (use = != < >)",
        "'compare version /a 3'             | line 1: expected 'compare TARGET PATH OP OPERAND', e.g. 'compare version /a = 3'",
        "'compare exists /a < true'         | line 1: exists takes = or != only",
        "'compare exists /a = yes'          | line 1: exists compares with true or false, got 'yes'",
        "'success put /a'                   | line 1: put needs a value after the path (\"\" for empty)",
        "'success put /a v w'               | line 1: unexpected 'w' (options are if-version=N, parents, recursive; quote values with spaces)",
        "'success rename /a /b'             | line 1: unknown operation 'rename' (use get, put, create or delete)",
        "'success put /a \"open'            | line 1: unterminated quote",
        "'success put /a \"\\q\"'           | line 1: unknown escape \\q",
    })
    void badInputNamesLineAndProblem(String script, String message) {
        var e = assertThrows(TxnScript.SyntaxException.class, () -> TxnScript.parse(script));
        assertEquals(message, e.getMessage());
    }

    @Test
    void errorNamesTheRightLine() {
        var e = assertThrows(TxnScript.SyntaxException.class,
                () -> TxnScript.parse("compare version /a = 1\n\n# x\nsuccess bogus /a\n"));
        assertEquals("line 4: unknown operation 'bogus' (use get, put, create or delete)", e.getMessage());
    }
}
