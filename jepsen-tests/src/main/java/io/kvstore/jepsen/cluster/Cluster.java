package io.kvstore.jepsen.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The members under test: one kvserver process each, placed by a {@link Network}. Members are named n1, n2, ...
 * and have index 0, 1, .... Harness thread only, except {@link #close()} which the shutdown hook may call.
 */
public final class Cluster implements AutoCloseable {
    /** A member of a loaded two-core box with five JVMs starting at once needs a while; it normally takes ~3 s. */
    public static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private final Network network;
    private final Target target;
    private final List<Member> members = new ArrayList<>();
    private final List<String> endpoints = new ArrayList<>();

    /**
     * @param serverClasspath the classpath of io.kvstore.server.KvServer
     * @param dataRoot each member stores under dataRoot/n1, ...
     * @param logDir each member logs to logDir/n1.log, ...
     */
    public Cluster(Network network, int size, String serverClasspath, Path dataRoot, Path logDir) {
        this(network, new KvstoreTarget(serverClasspath), size, dataRoot, logDir);
    }

    /**
     * @param target what the members run (kvstore or etcd)
     * @param dataRoot each member stores under dataRoot/n1, ...
     * @param logDir each member logs to logDir/n1.log, ...
     */
    public Cluster(Network network, Target target, int size, Path dataRoot, Path logDir) {
        this.network = network;
        this.target = target;
        for (int m = 0; m < size; m++) {
            endpoints.add(network.clientAddress(m));
        }
        for (int m = 0; m < size; m++) {
            String name = "n" + (m + 1);
            members.add(new Member(m, dataRoot.resolve(name), logDir.resolve(name + ".log"),
                    command(m, false, dataRoot.resolve(name)), target.readyLine(name)));
        }
    }

    private List<String> command(int m, boolean join, Path dataDir) {
        List<String> cmd = new ArrayList<>(network.memberPrefix(m));
        cmd.addAll(target.command(network, m, endpoints.size(), dataDir, join));
        return cmd;
    }

    /** From now on, member {@code m} starts as one that joins a running cluster (after a remove and re-add). */
    public void useJoinCommand(Member m) {
        m.replaceCommand(command(m.index(), true, m.dataDir()));
    }

    public Target target() {
        return target;
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
        List<String> errors = start(members);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("members did not start: " + errors);
        }
    }

    /**
     * Starts {@code toStart} in parallel (a member that needs a quorum to report ready, as etcd does, would wait
     * for the next one otherwise) and waits until each serves; returns the errors, empty when all serve.
     */
    public List<String> start(List<Member> toStart) {
        List<Thread> starters = new ArrayList<>();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (Member m : toStart) {
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
        return List.copyOf(errors);
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
