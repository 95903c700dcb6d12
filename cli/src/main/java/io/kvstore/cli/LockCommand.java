package io.kvstore.cli;

import io.kvstore.client.DistributedLock;
import io.kvstore.client.FencingToken;
import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kvctl lock NAME [-- COMMAND ARGS...]}: takes lock NAME (fair, owned by a session of this process), prints
 * its fencing token, runs the command with the token in its environment and releases the lock when the command
 * ends, exiting with the command's exit code. Without a command it holds the lock until interrupted (Ctrl-C).
 */
@Command(name = "lock", mixinStandardHelpOptions = true,
        description = {"Acquires lock NAME, prints 'NAME TOKEN', runs COMMAND with the fencing token in "
                + "$KVSTORE_FENCING_TOKEN and the lock's path in KVSTORE_LOCK_PATH, then releases the lock and exits "
                + "with COMMAND's exit code. Without COMMAND, holds the lock until interrupted.",
            "The lock is released when this process's session ends (crash, partition longer than --ttl): guard "
                + "writes with the token (docs/fencing.md)."},
        footerHeading = "%nExamples:%n",
        footer = {"  kvctl lock nightly-report -- ./make-report.sh",
            "  kvctl lock --wait 30s deploy -- sh -c 'deploy --fencing-token \"$KVSTORE_FENCING_TOKEN\"'",
            "  kvctl lock maintenance                 # hold until Ctrl-C",
            "Exit: COMMAND's code; 5 when not acquired within --wait; the usual codes for kvctl's own errors."})
final class LockCommand implements Callable<Integer>, Kvctl.Subject {
    static final String ENV_TOKEN = "KVSTORE_FENCING_TOKEN";
    static final String ENV_LOCK_PATH = "KVSTORE_LOCK_PATH";

    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;
    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
            description = "How long to wait for the lock (default: ${DEFAULT-VALUE}).")
    Duration wait;
    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "TTL of the session that owns the lock (default: ${DEFAULT-VALUE}).")
    Duration ttl;
    @Parameters(index = "0", paramLabel = "NAME", description = "The lock's name: one path segment.")
    String name;
    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND", description = "Command to run under the lock.")
    List<String> command;

    @Spec
    CommandSpec spec;
    /** Counted down once the lock is released and the session closed: a Ctrl-C hook waits for it. */
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    /** Set once this command releases on its own: the session's end after it is not reported as a loss. */
    private volatile boolean ending;

    @Override
    public Integer call() throws IOException, InterruptedException {
        try {
            return lockAndRun();
        } finally {
            cleanedUp.countDown();
        }
    }

    private int lockAndRun() throws IOException, InterruptedException {
        try (KvClient kv = connection.connect(root.env); Session session = kv.openSession(ttl)) {
            DistributedLock lock = kv.lock(name, session);
            if (!lock.acquire(wait)) {
                spec.commandLine().getErr().println("kvctl: lock " + name + " not acquired within " + wait);
                return ExitCodes.UNAVAILABLE;
            }
            FencingToken token = lock.fencingToken();
            root.out.println(name + " " + token.token());
            root.out.flush();
            session.addDoubtListener(doubt -> {
                if (doubt && !ending) {
                    spec.commandLine().getErr().println("kvctl: lock " + name + " in doubt: keepalives failing");
                }
            });
            session.addListener(state -> {
                if (state == Session.State.EXPIRED && !ending) {
                    spec.commandLine().getErr().println("kvctl: lock " + name + " lost: the session expired");
                }
            });
            try {
                return command == null || command.isEmpty() ? holdUntilInterrupted() : run(token);
            } finally {
                ending = true; // the release and the session's close below are not losses
                lock.release();
            }
        }
    }

    private int run(FencingToken token) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put(ENV_TOKEN, Long.toString(token.token()));
        pb.environment().put(ENV_LOCK_PATH, token.lockPath());
        Process p = pb.start();
        try {
            return p.waitFor();
        } finally {
            if (p.isAlive()) {
                p.destroy();
            }
        }
    }

    private int holdUntilInterrupted() {
        holdUntilInterrupted(cleanedUp);
        return ExitCodes.OK;
    }

    /**
     * Blocks until the JVM is asked to exit (SIGINT/SIGTERM); the shutdown hook interrupts this thread and then
     * waits (bounded) for {@code cleanedUp}, so the caller's finally blocks release the lock before the JVM ends.
     */
    static void holdUntilInterrupted(CountDownLatch cleanedUp) {
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            main.interrupt();
            try {
                cleanedUp.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }));
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.interrupted(); // clear it: the release that follows makes gRPC calls
        }
    }

    @Override
    public String subject() {
        return "lock " + name;
    }
}
