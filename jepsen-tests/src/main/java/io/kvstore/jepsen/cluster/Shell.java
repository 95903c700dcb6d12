package io.kvstore.jepsen.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short external commands (ip, tc, kill) with a deadline. Stateless and thread-safe. */
public final class Shell {
    /** Long enough for `ip netns del` on a loaded two-core box; commands here take milliseconds. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    /** The exit status and the merged stdout and stderr of a finished command. */
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private Shell() {
    }

    /** Runs {@code command}; never throws for a non-zero exit (see {@link Result#exit()}); a timeout kills it. */
    public static Result run(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes(); // ends when the process closes its output
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + COMMAND_TIMEOUT + ": " + String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted: " + String.join(" ", command));
        }
    }

    /** {@link #run(List)} that throws {@link IllegalStateException} with the output when the command fails. */
    public static String check(String... command) {
        Result r = run(List.of(command));
        if (!r.ok()) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` exited " + r.exit() + ": "
                    + r.output());
        }
        return r.output();
    }

    /** {@link #run(List)} for varargs. */
    public static Result run(String... command) {
        return run(List.of(command));
    }
}
