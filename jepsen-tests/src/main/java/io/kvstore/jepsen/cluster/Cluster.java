package io.kvstore.jepsen.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The members under test: one kvserver process each, placed by a {@link Network}. Members are named n1, n2, ...
 * and have index 0, 1, .... Harness thread only, except {@link #close()} which the shutdown hook may call.
 */
public final class Cluster implements AutoCloseable {
    /** A member of a loaded two-core box with five JVMs starting at once needs a while; it normally takes ~3 s. */
    public static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private final Network network;
    private final List<Member> members = new ArrayList<>();
    private final List<String> endpoints = new ArrayList<>();

    /**
     * @param serverClasspath the classpath of io.kvstore.server.KvServer
     * @param dataRoot each member stores under dataRoot/n1, ...
     * @param logDir each member logs to logDir/n1.log, ...
     */
    public Cluster(Network network, int size, String serverClasspath, Path dataRoot, Path logDir) {
        this.network = network;
        StringJoiner cluster = new StringJoiner(",");
        for (int m = 0; m < size; m++) {
            cluster.add("n" + (m + 1) + "=" + network.peerAddress(m));
            endpoints.add(network.clientAddress(m));
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int m = 0; m < size; m++) {
            String name = "n" + (m + 1);
            List<String> cmd = new ArrayList<>(network.memberPrefix(m));
            // Small heaps and the serial collector: five members and a workload share two cores here.
            cmd.addAll(List.of(javaBin, "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-XX:+ExitOnOutOfMemoryError", "-cp", serverClasspath, "io.kvstore.server.KvServer",
                    "--name", name, "--data-dir", dataRoot.resolve(name).toString(),
                    "--client-addr", network.clientAddress(m), "--peer-addr", network.peerAddress(m),
                    "--cluster", cluster.toString(), "--cluster-id", "jepsen"));
            members.add(new Member(m, dataRoot.resolve(name), logDir.resolve(name + ".log"), cmd));
        }
    }

    public List<Member> members() {
        return members;
    }

    public Member member(int index) {
        return members.get(index);
    }

    public int size() {
        return members.size();
    }

    /** Client addresses, n1 first. */
    public List<String> endpoints() {
        return List.copyOf(endpoints);
    }

    public Network network() {
        return network;
    }

    /** Starts every member (all at once, since none can elect alone) and waits until each serves. */
    public void startAll() {
        List<Thread> starters = new ArrayList<>();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (Member m : members) {
            Thread t = new Thread(() -> {
                String error = m.start(START_DEADLINE);
                if (error != null) {
                    errors.add(error);
                }
            }, "start-" + m.name());
            t.start();
            starters.add(t);
        }
        for (Thread t : starters) {
            try {
                t.join(START_DEADLINE.plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting members", e);
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("members did not start: " + errors);
        }
    }

    /**
     * The running member whose log last claimed leadership in the highest term, if that term is at least every
     * running member's latest term (so a deposed leader is not returned). Read from the members' logs.
     */
    public Optional<Member> leader() {
        Member best = null;
        long bestTerm = -1;
        long newest = -1;
        for (Member m : members) {
            if (m.state() == Member.State.DOWN) {
                continue;
            }
            newest = Math.max(newest, m.lastSeenTerm());
            long t = m.lastLeaderTerm();
            if (t > bestTerm) {
                bestTerm = t;
                best = m;
            }
        }
        return best != null && bestTerm >= newest ? Optional.of(best) : Optional.empty();
    }

    /** Resumes paused members, stops them all (SIGTERM, then kill -9 after 5 s). Idempotent. */
    @Override
    public void close() {
        for (Member m : members) {
            m.resume();
        }
        for (Member m : members) {
            m.stop(Duration.ofSeconds(5));
        }
    }
}
