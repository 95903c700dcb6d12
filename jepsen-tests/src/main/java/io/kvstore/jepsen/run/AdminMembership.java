package io.kvstore.jepsen.run;

import io.kvstore.jepsen.cluster.Cluster;
import io.kvstore.jepsen.cluster.Member;
import io.kvstore.jepsen.nemesis.MembershipChanger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Membership changes through kvstore's ClusterAdmin, run as {@link io.kvstore.jepsen.workload.AdminMain} in the
 * client's network (the harness's own network cannot reach members in namespaces). One short JVM per change.
 */
final class AdminMembership implements MembershipChanger {
    /** Remove retries for 20 s inside; re-add waits up to 60 s for the learner to catch up; plus a JVM start. */
    private static final long DEADLINE_SECONDS = 100;

    private final Cluster cluster;

    AdminMembership(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public Result remove(Member m) {
        return admin("remove", m.name());
    }

    @Override
    public void wipe(Member m) {
        Runner.deleteTree(m.dataDir());
        if (Files.exists(m.dataDir())) {
            throw new IllegalStateException("cannot wipe " + m.dataDir() + " (see the log)");
        }
    }

    @Override
    public Result readd(Member m) {
        return admin("readd", m.name(), cluster.network().peerAddress(m.index()));
    }

    private Result admin(String... args) {
        List<String> cmd = new ArrayList<>(cluster.network().clientPrefix());
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.kvstore.jepsen.workload.AdminMain", String.join(",", cluster.endpoints())));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes(); // ends when it exits (bounded by its own deadlines)
            if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(false, String.join(" ", args) + " timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
            return new Result(p.exitValue() == 0, last.isEmpty() ? "admin exited " + p.exitValue() : last);
        } catch (IOException e) {
            return new Result(false, "cannot run the admin JVM: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }
}
