package io.kvstore.e2e;

import io.kvstore.server.config.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One {@code kvserver} member as a real operating-system process: {@code java -cp <this JVM's class path>
 * io.kvstore.server.KvServer --name ... --cluster ...}, its stdout and stderr appended to {@code <name>.log} next to
 * its data directory.
 *
 * <p>It only ever signals the process it started itself, through the {@link Process} handle: {@link #kill()} is
 * {@code kill -9} ({@link Process#destroyForcibly()}), {@link #stop()} is SIGTERM with a bounded wait.
 * {@link #start()} after either runs the member again on the same data directory and ports. Not thread-safe:
 * one test thread drives it.
 */
final class ServerProcess {
    /** A JVM plus RocksDB opening plus gRPC binding; on two shared cores a cold start has taken up to ~5 s. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** SIGTERM gives in-flight calls 3 s (docs/server.md); the rest is slack for a loaded machine. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Lines of the log shown in a failure message. */
    private static final int LOG_TAIL_LINES = 60;

    private final String name;
    private final Path dataDir;
    private final Path logFile;
    private final HostPort clientAddress;
    private final HostPort peerAddress;
    private List<String> command;
    private Process process;
    /** Where the current run's output starts in the log: the serving line is looked for after it. */
    private long startedAtLogOffset;

    /**
     * A member that is not started yet.
     *
     * @param cluster every member's peer address, as for {@code --cluster}: {@code n1=127.0.0.1:p1,...}
     */
    ServerProcess(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress, String cluster) {
        this(name, dataDir, clientAddress, peerAddress, cluster, List.of());
    }

    /** As above, with {@code extraArgs} appended to the kvserver flags (e.g. TLS files). */
    ServerProcess(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress, String cluster,
                  List<String> extraArgs) {
        this.name = Objects.requireNonNull(name, "name");
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        this.clientAddress = Objects.requireNonNull(clientAddress, "clientAddress");
        this.peerAddress = Objects.requireNonNull(peerAddress, "peerAddress");
        this.logFile = dataDir.resolveSibling(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and quick to start: three of these and the test JVM share two cores.
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                // The test class path carries simplelogger.properties at "error"; the logs shown on failure
                // should have the state changes ("member n2 became leader at term 3").
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.kvstore.server.KvServer"));
        cmd.addAll(List.of("--name", name, "--data-dir", dataDir.toString(),
                "--client-addr", clientAddress.toString(), "--peer-addr", peerAddress.toString(),
                "--cluster", cluster, "--cluster-id", "e2e"));
        cmd.addAll(extraArgs);
        this.command = List.copyOf(cmd);
    }

    String name() {
        return name;
    }

    /** Replaces the value of {@code flag} for the next {@link #start}, e.g. to restart with other certificates. */
    void setFlag(String flag, String value) {
        List<String> cmd = new ArrayList<>(command);
        int i = cmd.indexOf(flag);
        if (i < 0) {
            cmd.addAll(List.of(flag, value));
        } else {
            cmd.set(i + 1, value);
        }
        command = List.copyOf(cmd);
    }

    HostPort clientAddress() {
        return clientAddress;
    }

    HostPort peerAddress() {
        return peerAddress;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Launches the member without waiting; {@link #awaitServing()} waits for it. */
    void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        try {
            Files.createDirectories(dataDir);
            Files.writeString(logFile, "---- e2e: starting " + name + ": " + String.join(" ", command.subList(
                    command.indexOf("io.kvstore.server.KvServer"), command.size())) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            long logOffset = Files.size(logFile);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
            startedAtLogOffset = logOffset;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + name, e);
        }
    }

    /** Waits for the line {@code kvserver <name> serving clients on <addr>} that the server prints once bound. */
    void awaitServing() {
        String line = "kvserver " + name + " serving clients on " + clientAddress;
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!logSince(startedAtLogOffset).contains(line)) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before serving\n"
                        + logTail());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(name + " did not print '" + line + "' within " + START_TIMEOUT + "\n"
                        + logTail());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Launches the member and waits until it serves clients. */
    void start() {
        launch();
        awaitServing();
    }

    /** {@code kill -9}: no shutdown hook, no flush; returns once the process is gone. */
    void kill() {
        requireStarted();
        process.destroyForcibly();
        awaitExit("kill -9");
    }

    /** SIGTERM, then kill -9 if it has not exited within the stop timeout. A stopped member is left alone. */
    void stop() {
        if (!isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                awaitExit("kill -9 after SIGTERM timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void awaitExit(String what) {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running " + STOP_TIMEOUT + " after " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + name + " to exit", e);
        }
    }

    private void requireStarted() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
    }

    /** The last lines of this member's log (all its runs), headed by its name. */
    String logTail() {
        String all = logSince(0);
        String[] lines = all.split("\n", -1);
        int from = Math.max(0, lines.length - LOG_TAIL_LINES);
        return "==== " + logFile + " (last " + (lines.length - from) + " lines) ====\n"
                + String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
    }

    private String logSince(long offset) {
        try {
            byte[] bytes = Files.readAllBytes(logFile);
            int from = (int) Math.min(offset, bytes.length);
            return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + "@" + clientAddress + (isAlive() ? " pid " + process.pid() : " (not running)");
    }
}
