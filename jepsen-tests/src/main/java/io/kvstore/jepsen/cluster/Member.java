package io.kvstore.jepsen.cluster;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One kvserver process under test and its data directory. Its stdout and stderr go, appended across restarts, to
 * {@code <logs>/<name>.log}. Used from the harness thread (and {@link #stop} from the shutdown hook): the
 * methods are synchronized.
 */
public final class Member {
    /** What the harness did to the process last. */
    public enum State { DOWN, RUNNING, PAUSED }

    /** A member logs only its own raft: kvstore "member n1 became leader at term 3", etcd "... at term 3". */
    private static final Pattern LEADER = Pattern.compile("became leader at term (\\d+)");

    private final int index;
    private final String name;
    private final Path dataDir;
    private final Path logFile;
    private final String readyLine;
    private List<String> command;
    private Process process;
    private State state = State.DOWN;

    Member(int index, Path dataDir, Path logFile, List<String> command, String readyLine) {
        this.index = index;
        this.name = "n" + (index + 1);
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.command = List.copyOf(command);
        this.readyLine = readyLine;
    }

    /** Replaces the command for the next starts (a member re-added to the cluster starts with --join from now on). */
    public synchronized void replaceCommand(List<String> newCommand) {
        this.command = List.copyOf(newCommand);
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized State state() {
        return state;
    }

    /** The process id, or -1 when down. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /**
     * Starts the process and waits until it prints its target's ready line. Returns null when it
     * serves, else why not (it exited, with its code and the log's last lines, or the deadline passed).
     */
    public synchronized String start(Duration deadline) {
        if (state != State.DOWN) {
            throw new IllegalStateException(name + " is " + state);
        }
        try {
            Files.createDirectories(dataDir);
            long offset = Files.exists(logFile) ? Files.size(logFile) : 0;
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            state = State.RUNNING;
            String ready = readyLine;
            long until = System.nanoTime() + deadline.toNanos();
            while (System.nanoTime() < until) { // bounded by the deadline
                if (logSince(offset).contains(ready)) {
                    return null;
                }
                if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                    int exit = process.exitValue();
                    process = null;
                    state = State.DOWN;
                    return name + " exited " + exit + " while starting: " + lastLines(logSince(offset), 5);
                }
            }
            return name + " did not serve within " + deadline;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private String logSince(long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = f.length();
            if (length <= offset) {
                return "";
            }
            byte[] buf = new byte[(int) Math.min(length - offset, 1 << 20)];
            f.seek(offset);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        }
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.strip().split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - n), lines.length));
    }

    /** kill -9; waits for the process to be gone. */
    public synchronized void kill() {
        if (state == State.DOWN) {
            return;
        }
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(10));
    }

    /** SIGSTOP. */
    public synchronized void pause() {
        if (state == State.RUNNING) {
            Shell.check("kill", "-STOP", Long.toString(process.pid()));
            state = State.PAUSED;
        }
    }

    /** SIGCONT. */
    public synchronized void resume() {
        if (state == State.PAUSED) {
            Shell.check("kill", "-CONT", Long.toString(process.pid()));
            state = State.RUNNING;
        }
    }

    /** SIGTERM (after SIGCONT if paused), then kill -9 if it has not stopped within {@code grace}. */
    public synchronized void stop(Duration grace) {
        if (state == State.DOWN) {
            return;
        }
        resume();
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        waitGone(Duration.ofSeconds(10));
    }

    private void waitGone(Duration deadline) {
        try {
            process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
        state = State.DOWN;
    }

    /** The highest term in which this member's log says it became leader, or -1. */
    public long lastLeaderTerm() {
        long best = -1;
        try {
            for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                Matcher m = LEADER.matcher(line);
                if (m.find()) {
                    best = Math.max(best, Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        return best;
    }

    /** The highest term this member's log mentions at all ("... at term N" / "in term N"), or -1. */
    public long lastSeenTerm() {
        Pattern term = Pattern.compile("(?:at|in) term (\\d+)");
        long best = -1;
        try {
            for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                Matcher m = term.matcher(line);
                while (m.find()) {
                    best = Math.max(best, Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        return best;
    }

    /** The write-ahead log segments, oldest first. */
    public List<Path> walSegments() {
        Path dir = dataDir.resolve("raft").resolve("log");
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().matches("wal-\\d+\\.log")).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
