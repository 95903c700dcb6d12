package io.kvstore.cli;

import io.kvstore.client.DeleteOptions;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.PutOptions;
import io.kvstore.client.Znode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl import}: makes a subtree match an export document. Idempotent: a znode whose value already matches is
 * not written (its version does not move), so importing the same file twice changes nothing the second time.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Applies a document written by kvctl export (JSON or YAML, told apart by its first character; "
                + "'-' reads stdin) under its root, or under --to PATH: every listed znode is created (with its "
                + "parents) or overwritten when its value differs; equal values are left alone, so a second import of "
                + "the same file writes nothing.",
            "Extra znodes under the root that the file does not list are kept, unless --prune: then they are "
                + "deleted (ephemeral znodes are never pruned). The writes are not one transaction: an interrupted "
                + "import leaves a partial state that re-running the import completes.",
            "Prints a summary: created, updated, unchanged, deleted. --dry-run prints it without writing."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl import app.yaml",
            "  kvctl import --prune app.yaml             # also delete znodes under the root not in the file",
            "  kvctl import --to /staging/app app.json   # the same tree under another root",
            "  kvctl export /app | kvctl --endpoints other:7379 import -"})
final class ImportCommand implements Callable<Integer>, Kvctl.Subject {
    /** Import documents are read whole; 256 MiB is far past any configuration tree. */
    static final long FILE_BYTES_MAX = 256L << 20;

    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "FILE", description = "The export document, or '-' for stdin.")
    String file;
    @Option(names = "--to", paramLabel = "PATH", description = "Apply under PATH instead of the document's root.")
    String to;
    @Option(names = "--prune", description = "Delete znodes under the root that the document does not list.")
    boolean prune;
    @Option(names = "--dry-run", description = "Only print what would change.")
    boolean dryRun;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Summary as table, json or yaml. Default: ${DEFAULT-VALUE}.")
    Output.Format format;

    private String target;

    @Override
    public Integer call() {
        ExportDocument doc = read();
        target = to != null ? to : doc.root();
        int created = 0;
        int updated = 0;
        int unchanged = 0;
        int deleted = 0;
        try (KvClient kv = connection.connect(root.env)) {
            Progress progress = Progress.start(root.err, "imported", doc.znodes().size());
            int done = 0;
            for (Map.Entry<String, byte[]> e : doc.znodes().entrySet()) {
                String p = ExportDocument.absolute(target, e.getKey());
                current = p;
                Znode existing = kv.find(p).orElse(null);
                if (existing != null && Arrays.equals(existing.value(), e.getValue())) {
                    unchanged++;
                } else {
                    if (!dryRun) {
                        kv.put(p, e.getValue(), PutOptions.DEFAULT.withMakeParents());
                    }
                    if (existing == null) {
                        created++;
                    } else {
                        updated++;
                    }
                }
                progress.update(++done);
            }
            progress.finish(done);
            if (prune) {
                deleted = prune(kv, doc);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("root", target);
        summary.put("created", created);
        summary.put("updated", updated);
        summary.put("unchanged", unchanged);
        summary.put("deleted", deleted);
        summary.put("dryRun", dryRun);
        Output.summary(root.out, format, List.of(summary), true);
        return ExitCodes.OK;
    }

    private String current;

    /** Deletes, deepest first, every non-ephemeral znode under the target the document does not list. */
    private int prune(KvClient kv, ExportDocument doc) {
        List<String> extra = new ArrayList<>();
        Deque<String> pending = new ArrayDeque<>();
        pending.push(target);
        while (!pending.isEmpty()) {
            String p = pending.pop();
            List<String> names;
            try {
                names = kv.list(p);
            } catch (KvNotFoundException gone) {
                continue;
            }
            for (String name : names) {
                String child = Values.child(p, name);
                pending.push(child);
                if (!doc.znodes().containsKey(ExportCommand.relative(target, child))) {
                    extra.add(child);
                }
            }
        }
        int deleted = 0;
        extra.sort((a, b) -> Integer.compare(b.length(), a.length()));
        for (String p : extra) {
            current = p;
            Znode z = kv.find(p).orElse(null);
            if (z == null || z.stat().ephemeralSessionId() != 0 || z.stat().numChildren() > 0) {
                continue; // gone, a live session's, or still a parent of something listed or ephemeral
            }
            if (!dryRun) {
                try {
                    kv.delete(p, DeleteOptions.DEFAULT);
                } catch (KvNotFoundException gone) {
                    continue;
                }
            }
            deleted++;
        }
        return deleted;
    }

    private ExportDocument read() {
        String text;
        try {
            byte[] bytes;
            if (file.equals("-")) {
                bytes = root.in.readNBytes((int) FILE_BYTES_MAX + 1);
            } else {
                if (Files.size(Path.of(file)) > FILE_BYTES_MAX) {
                    throw new ParameterException(spec.commandLine(), file + " is over " + FILE_BYTES_MAX + " bytes");
                }
                bytes = Files.readAllBytes(Path.of(file));
            }
            if (bytes.length > FILE_BYTES_MAX) {
                throw new ParameterException(spec.commandLine(), "stdin is over " + FILE_BYTES_MAX + " bytes");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + file + ": " + e.getMessage());
        }
        try {
            return ExportDocument.parse(DocumentReader.read(text));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), file + ": " + e.getMessage());
        }
    }

    @Override
    public String subject() {
        return current != null ? current : file;
    }
}
