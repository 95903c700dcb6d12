package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.Znode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kvctl export}: a subtree as one JSON or YAML document on stdout (format in {@link ExportDocument} and
 * docs/kvctl.md), for keeping configuration in git and applying it with {@code kvctl import}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes the subtree under PATH to stdout as a document kvctl import reads back: "
                + "format \"kvctl-export/1\", the root path, the revision of the first read, and every znode below "
                + "the root (pre-order, children in byte order) with its path relative to the root ('.' is the root "
                + "itself) and its value: UTF-8 text, or base64 with encoding: base64 when not valid UTF-8.",
            "Ephemeral znodes are left out (they belong to live sessions, not to configuration). The znodes are "
                + "read one by one, so changes made during the export may be partly included."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl export /app > app.json",
            "  kvctl export -o yaml /app > app.yaml      # then: git add app.yaml",
            "  kvctl export / > everything.json"})
final class ExportCommand implements Callable<Integer>, Kvctl.Subject {
    enum Format { json, yaml }

    /** An export holds the whole document in memory: a guard against exporting a huge tree by accident. */
    static final int ZNODES_MAX = 1_000_000;

    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", description = "Root of the subtree to export.")
    String path;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "json",
            description = "json or yaml. Default: ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() {
        Map<String, Object> document;
        try (KvClient kv = connection.connect(root.env)) {
            document = export(kv, path, Progress.start(root.err, "exported", 0));
        }
        if (format == Format.json) {
            root.out.println(Output.json(document));
        } else {
            root.out.print(Output.yaml(document, 0, false));
        }
        return ExitCodes.OK;
    }

    static Map<String, Object> export(KvClient kv, String rootPath, Progress progress) {
        Znode top = kv.get(rootPath);
        List<Map<String, Object>> znodes = new ArrayList<>();
        Deque<String> pending = new ArrayDeque<>();
        pending.push(rootPath);
        while (!pending.isEmpty()) {
            String p = pending.pop();
            Znode z;
            List<String> names;
            try {
                z = p.equals(rootPath) ? top : kv.get(p);
                names = kv.list(p);
            } catch (KvNotFoundException deletedMeanwhile) {
                continue;
            }
            if (z.stat().ephemeralSessionId() != 0) {
                continue;
            }
            if (!p.equals("/")) {
                znodes.add(entry(relative(rootPath, p), z.value()));
            }
            if (znodes.size() > ZNODES_MAX) {
                throw new IllegalStateException("more than " + ZNODES_MAX + " znodes under " + rootPath);
            }
            progress.update(znodes.size());
            for (int i = names.size() - 1; i >= 0; i--) {
                pending.push(Values.child(p, names.get(i)));
            }
        }
        progress.finish(znodes.size());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", ExportDocument.FORMAT);
        doc.put("root", rootPath);
        doc.put("revision", top.revision());
        doc.put("znodes", znodes);
        return doc;
    }

    private static Map<String, Object> entry(String relativePath, byte[] value) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("path", relativePath);
        Optional<String> text = Values.utf8(value);
        e.put("value", text.orElseGet(() -> Base64.getEncoder().encodeToString(value)));
        if (text.isEmpty()) {
            e.put("encoding", "base64");
        }
        return e;
    }

    static String relative(String rootPath, String p) {
        if (p.equals(rootPath)) {
            return ".";
        }
        return rootPath.equals("/") ? p.substring(1) : p.substring(rootPath.length() + 1);
    }

    @Override
    public String subject() {
        return path;
    }
}
