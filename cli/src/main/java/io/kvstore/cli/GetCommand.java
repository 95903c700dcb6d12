package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.ReadConsistency;
import io.kvstore.client.Znode;
import io.kvstore.client.ZnodeStat;
import java.io.PrintStream;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Prints a znode's value (exit 3 when it does not exist).",
            "Reading at a past revision (etcd's --rev) is not supported: the server keeps only each znode's current "
                + "state; kvctl watch --from-rev N replays recent changes instead."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl get /app/db/url                 # the value's bytes exactly, no newline added",
            "  kvctl get -o json /app/db/url         # path, value, stat and revision",
            "  kvctl get --serializable -o table /app/db/url"})
final class GetCommand implements Callable<Integer>, Kvctl.Subject {
    enum Format { value, json, yaml, table }

    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", description = "Absolute path.")
    String path;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "value",
            description = "value (the raw bytes), json (value as UTF-8 text, or base64 with "
                    + "\"valueEncoding\": \"base64\" when not valid UTF-8), yaml (the same fields), or table. "
                    + "Default: ${DEFAULT-VALUE}.")
    Format format;
    @Option(names = "--serializable",
            description = "Read from the contacted member's state without asking the leader: faster, may be stale.")
    boolean serializable;

    @Override
    public Integer call() {
        Znode z;
        try (KvClient kv = connection.connect(root.env)) {
            z = kv.get(path, serializable ? ReadConsistency.SERIALIZABLE : ReadConsistency.LINEARIZABLE);
        }
        PrintStream out = root.out;
        switch (format) {
            case value -> out.writeBytes(z.value());
            case json -> out.println(json(z));
            case yaml -> out.print(Output.yaml(record(z), 0, false));
            case table -> table(out, z);
        }
        return ExitCodes.OK;
    }

    static String json(Znode z) {
        return Output.json(record(z));
    }

    /** The fields json and yaml print, in their stable order. */
    static java.util.Map<String, Object> record(Znode z) {
        Optional<String> text = Values.utf8(z.value());
        ZnodeStat s = z.stat();
        java.util.Map<String, Object> stat = new java.util.LinkedHashMap<>();
        stat.put("version", s.version());
        stat.put("createRevision", s.createRevision());
        stat.put("modRevision", s.modRevision());
        stat.put("numChildren", s.numChildren());
        stat.put("dataLength", s.dataLength());
        stat.put("childrenRevision", s.childrenRevision());
        stat.put("ephemeralSessionId", s.ephemeralSessionId());
        java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("path", z.path());
        r.put("value", text.orElseGet(() -> Base64.getEncoder().encodeToString(z.value())));
        r.put("valueEncoding", text.isPresent() ? "utf8" : "base64");
        r.put("stat", stat);
        r.put("revision", z.revision());
        return r;
    }

    private static void table(PrintStream out, Znode z) {
        String value = Values.utf8(z.value()).map(GetCommand::clip).orElse("<" + z.value().length + " bytes binary>");
        ZnodeStat s = z.stat();
        String row = "%-30s %7s %7s %8s %12s %12s  %s%n";
        out.printf(row, "PATH", "VERSION", "SIZE", "CHILDREN", "MOD_REV", "CREATE_REV", "VALUE");
        out.printf(row, z.path(), s.version(), s.dataLength(), s.numChildren(), s.modRevision(),
                s.createRevision(), value);
    }

    /** One line, at most 60 characters: a table cell, not the value. */
    private static String clip(String text) {
        String line = text.replace("\n", "\\n");
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

    @Override
    public String subject() {
        return path;
    }
}
