package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchMode;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import java.io.PrintStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl watch}: prints one line per event until interrupted. The client library reconnects across member
 * failures and resumes without gaps, so the stream only ends on Ctrl-C (exit 130), a compacted resume point (exit 4:
 * re-read and watch again from the printed revision) or an invalid request.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Prints every change of a znode (or its children with --children, or its subtree with -r) as "
                + "it happens, one line per event, flushed at once, until Ctrl-C (exit 130).",
            "Line formats: value (default): 'REVISION TYPE PATH VALUE' (value as UTF-8 with \\n escaped, or "
                + "'<N bytes binary>'); json: one JSON object per line {\"type\",\"path\",\"revision\",\"value\","
                + "\"valueEncoding\",\"version\"}.",
            "Exit 4 when --from-rev is older than the server's history (compacted); the message names the oldest "
                + "revision still available."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl watch /app/db/url",
            "  kvctl watch -r /app                     # the whole subtree",
            "  kvctl watch -r --from-rev 120 /app      # replay every change since revision 120, then follow",
            "  kvctl watch -r -o json /services | jq -c 'select(.type==\"DELETED\")'"})
final class WatchCommand implements Callable<Integer>, Kvctl.Subject {
    enum Format { value, json }

    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", description = "Absolute path; it need not exist.")
    String path;
    @Option(names = {"-r", "--recursive"}, description = "Watch PATH and every znode below it.")
    boolean recursive;
    @Option(names = "--children", description = "Watch PATH's direct children only.")
    boolean children;
    @Option(names = "--from-rev", paramLabel = "N", description = "Start at revision N (replays history since N).")
    Long fromRevision;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "value",
            description = "value or json (one object per line). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() throws Exception {
        if (recursive && children) {
            throw new ParameterException(spec.commandLine(), "use either -r or --children");
        }
        if (fromRevision != null && fromRevision < 1) {
            throw new ParameterException(spec.commandLine(), "--from-rev must be >= 1: " + fromRevision);
        }
        WatchOptions options = WatchOptions.DEFAULT.withMode(recursive ? WatchMode.SUBTREE
                : children ? WatchMode.CHILDREN : WatchMode.ZNODE);
        if (fromRevision != null) {
            options = options.withStartRevision(fromRevision);
        }
        CompletableFuture<Exception> ended = new CompletableFuture<>();
        PrintStream out = root.out;
        KvClient kv = connection.connect(root.env);
        // Ctrl-C: the JVM runs this hook and exits 130; the watcher closes so no callback prints half a line.
        Thread hook = new Thread(() -> {
            kv.close();
            out.flush();
        }, "kvctl-watch-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Watcher watcher = kv.watch(path, options, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                for (WatchEvent e : events) {
                    out.println(format == Format.json ? Output.json(record(e)) : line(e));
                }
                out.flush();
            }

            @Override
            public void onCompacted(long oldestRevision) {
                ended.complete(new KvCompactedException(oldestRevision));
            }

            @Override
            public void onError(KvException error) {
                ended.complete(error);
            }
        });
        Exception reason = ended.get();
        watcher.close();
        Runtime.getRuntime().removeShutdownHook(hook);
        kv.close();
        throw reason;
    }

    static String line(WatchEvent e) {
        String value = e.type() == WatchEvent.Type.DELETED ? "" : " " + Values.utf8(e.value())
                .map(t -> t.replace("\\", "\\\\").replace("\n", "\\n"))
                .orElse("<" + e.value().length + " bytes binary>");
        return e.revision() + " " + e.type() + " " + e.path() + value;
    }

    static Map<String, Object> record(WatchEvent e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", e.type().name());
        r.put("path", e.path());
        r.put("revision", e.revision());
        if (e.type() != WatchEvent.Type.DELETED) {
            Optional<String> text = Values.utf8(e.value());
            r.put("value", text.orElseGet(() -> Base64.getEncoder().encodeToString(e.value())));
            r.put("valueEncoding", text.isPresent() ? "utf8" : "base64");
            r.put("version", e.stat() == null ? null : e.stat().version());
        }
        return r;
    }

    /** The resume revision left the server's history. */
    static final class KvCompactedException extends RuntimeException {
        final long oldestRevision;

        KvCompactedException(long oldestRevision) {
            super("revision compacted: the oldest revision still in the history is " + oldestRevision
                    + "; read the current state and watch from its revision + 1");
            this.oldestRevision = oldestRevision;
        }
    }

    @Override
    public String subject() {
        return path;
    }
}
