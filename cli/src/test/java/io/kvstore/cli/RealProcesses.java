package io.kvstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Runs the real {@code bin/kvserver} and {@code bin/kvctl} scripts of this checkout as processes (they need the
 * package phase's classes and classpath files, which {@code mvn verify} builds before the ITs run). Every process
 * started here is tracked and stopped by PID in {@link #close()}.
 */
final class RealProcesses implements AutoCloseable {
    static final Path REPO = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(40);
    private static final Duration KVCTL_TIMEOUT = Duration.ofSeconds(60);
    private static final int FIRST_PORT = 20_000;
    private static final int LAST_PORT = 32_767;
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(FIRST_PORT
            + ThreadLocalRandom.current().nextInt(LAST_PORT - FIRST_PORT));

    private final List<Process> started = new ArrayList<>();

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A free loopback port below Linux's ephemeral range (see TestServers in kvstore-server's tests). */
    static int freePort() {
        for (int attempt = 0; attempt <= LAST_PORT - FIRST_PORT; attempt++) {
            int candidate = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement() - FIRST_PORT,
                    LAST_PORT - FIRST_PORT + 1);
            try (ServerSocket socket = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException inUse) {
                // next
            }
        }
        throw new UncheckedIOException(new IOException("no free loopback port"));
    }

    /** Starts {@code bin/kvserver} and waits for its "serving clients" line. */
    Process kvserver(Path logDir, String name, Path dataDir, int clientPort, int peerPort, String cluster,
            String... extra) {
        Path log = logDir.resolve(name + "-" + clientPort + ".log");
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("bin/kvserver").toString(), "--name", name,
                "--data-dir", dataDir.toString(), "--client-addr", "127.0.0.1:" + clientPort, "--peer-addr",
                "127.0.0.1:" + peerPort, "--cluster", cluster));
        cmd.addAll(List.of(extra));
        try {
            ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            b.environment().put("KVSERVER_JAVA_OPTS", "-Xmx256m -Xms64m -XX:TieredStopAtLevel=1");
            Process p = b.start();
            started.add(p);
            String line = "kvserver " + name + " serving clients on 127.0.0.1:" + clientPort;
            await(() -> read(log).contains(line) || !p.isAlive(), START_TIMEOUT, () -> name + " did not start:\n"
                    + read(log));
            if (!p.isAlive()) {
                throw new AssertionError(name + " exited:\n" + read(log));
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code bin/kvctl args} to completion with {@code stdin}. */
    Result kvctl(Map<String, String> env, String stdin, String... args) {
        Process p = startKvctl(env, args);
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(UTF_8));
            }
            p.getOutputStream().close();
            return finish(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code bin/kvctl args}; stdout and stderr go to files read by {@link #finish}. */
    Process startKvctl(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(REPO.resolve("bin/kvctl").toString());
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("kvctl-it-out", ".txt");
            Path err = Files.createTempFile("kvctl-it-err", ".txt");
            ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            b.environment().remove("KVCTL_ENDPOINTS");
            b.environment().remove("KVCTL_CONFIG");
            b.environment().put("HOME", out.getParent().toString()); // no ~/.config/kvctl of the person running
            // A short-lived CLI: C1 only and the serial collector start fastest on a shared two-core machine.
            b.environment().put("KVCTL_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
            b.environment().putAll(env);
            Process p = b.start();
            started.add(p);
            outputs.put(p, new Path[] {out, err});
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final Map<Process, Path[]> outputs = new java.util.concurrent.ConcurrentHashMap<>();

    /** Waits for a started kvctl to exit and returns what it printed. */
    Result finish(Process p) {
        try {
            if (!p.waitFor(KVCTL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kvctl did not exit within " + KVCTL_TIMEOUT + ": " + output(p));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Path[] files = outputs.remove(p);
        Result r = new Result(p.exitValue(), read(files[0]), read(files[1]));
        deleteQuietly(files[0]);
        deleteQuietly(files[1]);
        return r;
    }

    /** What a running kvctl printed to stdout so far. */
    String output(Process p) {
        return read(outputs.get(p)[0]);
    }

    String errors(Process p) {
        return read(outputs.get(p)[1]);
    }

    /**
     * Sends SIGINT (as Ctrl-C does) to {@code p} by PID. When this JVM was started with SIGINT ignored (a
     * background job of a non-interactive shell), children inherit that and the JVM cannot un-ignore it; then
     * SIGTERM is sent instead, which runs the same shutdown hooks. Returns the exit code to expect.
     */
    int interrupt(Process p) {
        boolean sigintIgnored = signalIgnored(p.pid(), 2);
        String signal = sigintIgnored ? "-TERM" : "-INT";
        try {
            // bash's builtin kill: bin/kvctl needs bash anyway, /bin/kill (procps) may be missing.
            Process kill = new ProcessBuilder("bash", "-c", "kill " + signal + " " + p.pid()).start();
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill " + signal + " " + p.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return sigintIgnored ? 143 : 130;
    }

    /** Whether {@code signal} is in the process's ignored set (/proc/PID/status SigIgn). */
    private static boolean signalIgnored(long pid, int signal) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    return (mask & (1L << (signal - 1))) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(failure.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    /** SIGTERM to every process started here (by PID), then kill -9 for any still running after 15 s. */
    @Override
    public void close() {
        for (Process p : started) {
            p.destroy();
        }
        for (Process p : started) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        outputs.values().forEach(files -> {
            deleteQuietly(files[0]);
            deleteQuietly(files[1]);
        });
    }
}
