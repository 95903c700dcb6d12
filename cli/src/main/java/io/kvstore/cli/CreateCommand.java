package io.kvstore.cli;

import io.kvstore.client.CreateOptions;
import io.kvstore.client.CreateResult;
import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl create}: creates a znode that must not exist yet (exit 4 when it does), optionally ephemeral (owned
 * by a session kvctl opens), sequential or with a TTL. With {@code --hold} kvctl keeps the session alive until it is
 * interrupted, then closes it, which deletes the ephemeral znode: the service-registration pattern.
 */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Creates a znode; exit 4 when it already exists. Prints the created path (which differs from "
                + "PATH for --sequential).",
            "An --ephemeral znode belongs to a session kvctl opens, so it needs --hold: kvctl keeps the session "
                + "alive until Ctrl-C (or SIGTERM), then closes it, which deletes the znode, and exits with 130 "
                + "(SIGTERM: 143). If kvctl dies without closing it, the znode goes when --session-ttl passes."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl create /app/feature-x on",
            "  kvctl create --parents --sequential /queue/job- payload   # prints /queue/job-0000000000000000000",
            "  kvctl create --ttl 1h /tmp/upload-42 pending              # deleted an hour after its last write",
            "  kvctl create --ephemeral --hold /services/web/10.0.0.5:8080 '{\"port\":8080}'   # until Ctrl-C"})
final class CreateCommand implements Callable<Integer>, Kvctl.Subject {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", description = "Absolute path (for --sequential: the prefix).")
    String path;
    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
            description = "The value as text; '-' reads it from stdin; omitted: empty (or --file).")
    String value;
    @Option(names = "--file", paramLabel = "FILE", description = "Read the value from FILE.")
    java.nio.file.Path file;
    @Option(names = {"-e", "--ephemeral"}, description = "Owned by a session: deleted when the session ends.")
    boolean ephemeral;
    @Option(names = {"-s", "--sequential"}, description = "Append a 19-digit counter unique under the parent.")
    boolean sequential;
    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Delete the znode once unwritten for this long and childless (1s .. 30d; not with "
                    + "--ephemeral).")
    Duration ttl;
    @Option(names = {"-p", "--parents"}, description = "Create missing ancestors (not with --ephemeral).")
    boolean parents;
    @Option(names = "--hold", description = "Keep the session (and the ephemeral znode) until interrupted.")
    boolean hold;
    @Option(names = "--session-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "10s", description = "TTL of the session for --ephemeral: how long the znode outlives a "
                    + "kvctl that died without closing it (default: ${DEFAULT-VALUE}).")
    Duration sessionTtl;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "value",
            description = "value (the created path), json, yaml or table (path, version, revision). "
                    + "Default: ${DEFAULT-VALUE}.")
    Output.Format format;

    @Override
    public Integer call() throws InterruptedException {
        if (ephemeral && (ttl != null || parents)) {
            throw new ParameterException(spec.commandLine(), "--ephemeral cannot be combined with --ttl or --parents");
        }
        if (hold != ephemeral) {
            // Without --hold the session would end as kvctl exits, deleting the znode it just created.
            throw new ParameterException(spec.commandLine(), hold ? "--hold keeps a session: use it with --ephemeral"
                    : "--ephemeral needs --hold: the znode lives only as long as kvctl's session");
        }
        byte[] bytes = value == null && file == null ? new byte[0]
                : PutCommand.readValue(spec, root.in, value, file);
        KvClient kv = connection.connect(root.env);
        Session session = null;
        try {
            CreateResult created;
            if (ephemeral) {
                session = kv.openSession(sessionTtl);
                created = session.createEphemeral(path, bytes, sequential);
            } else {
                CreateOptions options = new CreateOptions(parents);
                if (sequential) {
                    options = options.withSequential();
                }
                if (ttl != null) {
                    options = options.withTtl(ttl);
                }
                created = kv.create(path, bytes, options);
            }
            print(created, session);
            if (hold) {
                holdUntilInterrupted(kv, session, created.path());
            }
        } finally {
            if (!hold) {
                if (session != null) {
                    session.close();
                }
                kv.close();
            }
        }
        return ExitCodes.OK;
    }

    private void print(CreateResult created, Session session) {
        PrintStream out = root.out;
        if (format == Output.Format.value) {
            out.println(created.path());
        } else {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("path", created.path());
            r.put("version", created.stat().version());
            r.put("revision", created.revision());
            r.put("sessionId", session == null ? 0 : session.id());
            Output.print(out, format, List.of(r), true);
        }
        out.flush();
    }

    /**
     * Blocks until the JVM is asked to stop (SIGINT/SIGTERM) or the session expires. A shutdown hook closes the
     * session, so the ephemeral znode is deleted now rather than a session TTL later.
     */
    private void holdUntilInterrupted(KvClient kv, Session session, String created) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                session.close();
                root.err.println("kvctl: session closed, " + created + " deleted");
            } catch (RuntimeException e) {
                root.err.println("kvctl: could not close the session (" + e.getMessage() + "); " + created
                        + " is deleted when the session's TTL passes");
            } finally {
                kv.close();
                closed.countDown();
            }
        }, "kvctl-hold-release");
        Runtime.getRuntime().addShutdownHook(hook);
        root.err.println("kvctl: holding " + created + " (session " + Long.toHexString(session.id())
                + "); Ctrl-C to release");
        session.expired().join();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook closed the session (Ctrl-C): let it finish; the JVM exits 130.
            closed.await();
            return;
        }
        // Expired on the server (for example after a partition longer than the TTL): the znode is gone.
        kv.close();
        throw new IllegalStateException("the session expired; " + created + " was deleted");
    }

    @Override
    public String subject() {
        return path;
    }
}
