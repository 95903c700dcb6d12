package io.kvstore.raft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real JVMs over NettyTransport and real disks: elect, replicate, kill -9 the leader, fail over, restart the
 * killed member on its own data and check that all three applied the same commands in the same order.
 */
class ClusterFailoverIT {
    private static final Duration ELECTION_DEADLINE = Duration.ofSeconds(30);
    private static final Duration CATCH_UP_DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path tempDir;

    private final Map<String, MemberProcess> members = new LinkedHashMap<>();
    private String clusterSpec;

    @AfterEach
    void killAll() throws InterruptedException {
        for (MemberProcess member : members.values()) {
            member.kill();
        }
    }

    @Test
    void leaderCrashFailoverAndRestartedMemberCatchesUp() throws Exception {
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        for (String name : List.of("n1", "n2", "n3")) {
            addresses.put(name, FreePorts.loopback());
        }
        clusterSpec = addresses.entrySet().stream()
                .map(e -> e.getKey() + "=127.0.0.1:" + e.getValue().getPort())
                .collect(Collectors.joining(","));
        for (String name : addresses.keySet()) {
            start(name);
        }

        String firstLeader = awaitLeader(members.keySet());
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            written.add(proposeOnLeader("before-" + i, members.keySet()));
        }

        members.get(firstLeader).kill();
        List<String> survivors = members.keySet().stream().filter(n -> !n.equals(firstLeader)).toList();
        String secondLeader = awaitLeader(survivors);
        assertTrue(!secondLeader.equals(firstLeader));
        for (int i = 0; i < 10; i++) {
            written.add(proposeOnLeader("after-" + i, survivors));
        }

        start(firstLeader);
        Awaiting.until(() -> allApplied(written.size()), CATCH_UP_DEADLINE, this::describe);
        List<String> reference = members.get(secondLeader).appliedLines();
        for (MemberProcess member : members.values()) {
            assertEquals(reference, member.appliedLines(), member.name + " applied a different log");
        }
        List<String> payloads = reference.stream().map(line -> line.split("\t", 2)[1]).toList();
        assertEquals(written, payloads, "applied commands differ from the acknowledged ones");
    }

    private void start(String name) throws Exception {
        members.put(name, new MemberProcess(name, tempDir.resolve(name), clusterSpec));
    }

    /** Waits until exactly one of {@code candidates} reports itself leader and returns it. */
    private String awaitLeader(java.util.Collection<String> candidates) {
        String[] leader = new String[1];
        Awaiting.until(() -> {
            List<String> leaders = candidates.stream()
                    .filter(n -> members.get(n).status()[1].equals("LEADER")).toList();
            leader[0] = leaders.size() == 1 ? leaders.get(0) : null;
            return leader[0] != null;
        }, ELECTION_DEADLINE, this::describe);
        return leader[0];
    }

    /** Proposes on the current leader, retrying only on outcomes that say it was definitely not applied. */
    private String proposeOnLeader(String command, java.util.Collection<String> candidates) {
        long deadline = System.nanoTime() + ELECTION_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            String leader = awaitLeader(candidates);
            String reply = members.get(leader).command("propose " + command, Duration.ofSeconds(10));
            if (reply.startsWith("OK ")) {
                return command;
            }
            assertTrue(reply.startsWith("ERR NotLeaderException") || reply.startsWith("ERR ProposalDropped"),
                    "proposal outcome unknown: " + reply + "\n" + describe());
        }
        throw new AssertionError("no leader accepted " + command + "\n" + describe());
    }

    private boolean allApplied(int commands) {
        try {
            for (MemberProcess member : members.values()) {
                if (member.appliedLines().size() < commands) {
                    return false;
                }
            }
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private String describe() {
        StringBuilder text = new StringBuilder();
        for (MemberProcess member : members.values()) {
            text.append(member.name).append(member.isAlive() ? " alive " : " dead ");
            if (member.isAlive()) {
                text.append(String.join(" ", member.status()));
            }
            text.append('\n').append(member.log()).append('\n');
        }
        return text.toString();
    }
}
