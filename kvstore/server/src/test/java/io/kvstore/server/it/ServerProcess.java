package io.kvstore.server.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code kvserver} JVM started by a test: {@code java -cp <the test's classpath> io.kvstore.server.KvServer ...}
 * (what bin/kvserver runs), client port 0. {@link #start} returns once the member printed its "serving clients on"
 * line, whose address it keeps. stderr goes to {@code <dir>/kvserver.log}. The test owns the handle and stops the
 * process through it, never by name.
 */
final class ServerProcess {
    private static final Pattern SERVING = Pattern.compile("kvserver (\\S+) serving clients on (\\S+)");

    final String name;
    final String peerAddress;
    private final Process process;
    private final Path logFile;
    private final String clientAddress;

    private ServerProcess(String name, String peerAddress, Process process, Path logFile, String clientAddress) {
        this.name = name;
        this.peerAddress = peerAddress;
        this.process = process;
        this.logFile = logFile;
        this.clientAddress = clientAddress;
    }

    /** Starts a member and waits up to {@code timeout} for it to serve clients. */
    static ServerProcess start(String name, Path dir, String peerAddress, String cluster, boolean join,
                               Duration timeout) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve("kvserver.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx192m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "io.kvstore.server.KvServer",
                "--name", name, "--data-dir", dir.resolve("data").toString(), "--client-addr", "127.0.0.1:0",
                "--peer-addr", peerAddress, "--cluster", cluster, "--cluster-id", "it"));
        if (join) {
            command.add("--join");
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        CompletableFuture<String> serving = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Matcher m = SERVING.matcher(line);
                    if (m.find()) {
                        serving.complete(m.group(2));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            serving.completeExceptionally(new IllegalStateException(name + " ended before serving"));
        }, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
        try {
            String address = serving.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new ServerProcess(name, peerAddress, process, log, address);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not serve within " + timeout + ": " + e + "\n"
                    + Files.readString(log), e);
        }
    }

    String clientAddress() {
        return clientAddress;
    }

    /** SIGTERM, then SIGKILL when it has not exited within 10 s. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    String log() {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
