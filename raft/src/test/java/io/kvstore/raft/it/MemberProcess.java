package io.kvstore.raft.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ClusterMemberMain} JVM started by a test, with the test's own classpath. The test owns the handle and
 * must {@link #kill()} it; stderr (the member's log) goes to {@code <dataDir>.log} for post-mortems.
 */
final class MemberProcess {
    final String name;
    final Path dataDir;
    final Path logFile;
    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    MemberProcess(String name, Path dataDir, String clusterSpec) throws IOException {
        this(name, dataDir, clusterSpec, List.of());
    }

    /** @param jvmOptions extra {@code -D} options for the member's JVM */
    MemberProcess(String name, Path dataDir, String clusterSpec, List<String> jvmOptions) throws IOException {
        this.name = name;
        this.dataDir = dataDir;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                ClusterMemberMain.class.getName(), name, dataDir.toString(), clusterSpec));
        this.process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Thread reader = new Thread(this::readReplies, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
        String ready = reply(Duration.ofSeconds(30));
        if (!"READY".equals(ready)) {
            throw new IllegalStateException(name + " did not start: " + ready + "\n" + log());
        }
    }

    private void readReplies() {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                replies.add(line);
            }
        } catch (IOException e) {
            // the process died: callers see no reply and time out with the log attached
        }
    }

    /** Sends one command and waits for its one-line reply. */
    synchronized String command(String command, Duration timeout) {
        stdin.println(command);
        return reply(timeout);
    }

    private String reply(Duration timeout) {
        try {
            String line = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError(name + " gave no reply within " + timeout + "\n" + log());
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Parsed {@code status} reply: role term leader applied. */
    String[] status() {
        return command("status", Duration.ofSeconds(10)).split(" ");
    }

    List<String> appliedLines() throws IOException {
        return io.kvstore.raft.demo.AppendOnlyFileStateMachine.readLines(dataDir.resolve("demo-applied.log"));
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** kill -9: no shutdown hooks, no close; the member's disk state is whatever it had fsynced. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String log() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return "--- " + logFile + " (last lines) ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
