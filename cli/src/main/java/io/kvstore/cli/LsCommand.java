package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.ZnodeStat;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "Lists a znode's children, one name per line, in byte order.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl ls /app",
            "  kvctl ls -l /app          # VERSION SIZE CHILDREN NAME",
            "  kvctl ls -r /app          # the subtree as a tree",
            "  kvctl ls -r -o json /app  # [{\"path\":...,\"version\":...,\"sizeBytes\":...,\"numChildren\":...}]"})
final class LsCommand implements Callable<Integer>, Kvctl.Subject {
    /** A recursive listing stops after this many znodes: a guard against printing a huge tree by accident. */
    static final int RECURSIVE_ZNODES_MAX = 100_000;

    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", defaultValue = "/", description = "Absolute path (default: /).")
    String path;
    @Option(names = {"-r", "--recursive"}, description = "Show the whole subtree as a tree.")
    boolean recursive;
    @Option(names = {"-l", "--long"}, description = "Show version, value size and number of children.")
    boolean longFormat;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "value",
            description = "value (names, or the -l/-r views), json or yaml: a list of {path, version, sizeBytes, "
                    + "numChildren} (with -r the whole subtree, pre-order). Default: ${DEFAULT-VALUE}.")
    Output.Format format;

    private int printed;

    @Override
    public Integer call() {
        PrintStream out = root.out;
        if (format == Output.Format.json || format == Output.Format.yaml) {
            try (KvClient kv = connection.connect(root.env)) {
                List<java.util.Map<String, Object>> rows = new java.util.ArrayList<>();
                records(kv, path, kv.list(path), rows);
                Output.print(out, format, rows, false);
            }
            return ExitCodes.OK;
        }
        try (KvClient kv = connection.connect(root.env)) {
            List<String> names = kv.list(path);
            if (recursive) {
                out.println(path);
                tree(kv, out, path, names, "");
            } else {
                if (longFormat) {
                    out.printf("%8s %10s %8s  %s%n", "VERSION", "SIZE", "CHILDREN", "NAME");
                }
                for (String name : names) {
                    out.println(longFormat ? longLine(kv, Values.child(path, name), name) : name);
                }
            }
        }
        if (printed > RECURSIVE_ZNODES_MAX) {
            throw new IllegalStateException("stopped after " + RECURSIVE_ZNODES_MAX + " znodes");
        }
        return ExitCodes.OK;
    }

    private void tree(KvClient kv, PrintStream out, String parent, List<String> names, String indent) {
        for (int i = 0; i < names.size() && printed <= RECURSIVE_ZNODES_MAX; i++) {
            boolean last = i == names.size() - 1;
            String name = names.get(i);
            String child = Values.child(parent, name);
            printed++;
            out.println(indent + (last ? "└── " : "├── ") + (longFormat ? treeLabel(kv, child, name) : name));
            List<String> grandchildren;
            try {
                grandchildren = kv.list(child);
            } catch (KvNotFoundException deletedMeanwhile) {
                continue;
            }
            tree(kv, out, child, grandchildren, indent + (last ? "    " : "│   "));
        }
    }

    /** The children (with -r, the subtree) as records, bounded like the tree. */
    private void records(KvClient kv, String parent, List<String> names, List<java.util.Map<String, Object>> rows) {
        for (String name : names) {
            if (rows.size() >= RECURSIVE_ZNODES_MAX) {
                throw new IllegalStateException("stopped after " + RECURSIVE_ZNODES_MAX + " znodes");
            }
            String child = Values.child(parent, name);
            Optional<ZnodeStat> stat = kv.exists(child);
            if (stat.isEmpty()) {
                continue; // deleted meanwhile
            }
            java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
            r.put("path", child);
            r.put("version", stat.get().version());
            r.put("sizeBytes", stat.get().dataLength());
            r.put("numChildren", stat.get().numChildren());
            rows.add(r);
            if (recursive && stat.get().numChildren() > 0) {
                try {
                    records(kv, child, kv.list(child), rows);
                } catch (KvNotFoundException deletedMeanwhile) {
                    // gone
                }
            }
        }
    }

    private static String longLine(KvClient kv, String child, String name) {
        Optional<ZnodeStat> stat = kv.exists(child);
        return stat.map(s -> String.format("%8d %10d %8d  %s", s.version(), s.dataLength(), s.numChildren(), name))
                .orElse(String.format("%8s %10s %8s  %s", "-", "-", "-", name + " (deleted)"));
    }

    private static String treeLabel(KvClient kv, String child, String name) {
        return kv.exists(child).map(s -> name + "  (v" + s.version() + ", " + s.dataLength() + " B)")
                .orElse(name + "  (deleted)");
    }

    @Override
    public String subject() {
        return path;
    }
}
