package io.kvstore.raft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real JVMs with a snapshot every 50 entries: a follower is killed with kill -9, the others write and compact
 * far past it, and the restarted follower catches up through a snapshot streamed from the leader; its
 * {@code AppendOnlyFileStateMachine} file ends byte-for-byte identical to the others'.
 */
class SnapshotCatchUpIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final List<String> JVM_OPTIONS = List.of("-Dit.snapshotEveryEntries=50");

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
    void killedFollowerCatchesUpThroughASnapshot() throws Exception {
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
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            written.add(propose("before-" + i, members.keySet()));
        }
        String leader = awaitLeader(members.keySet());
        String victim = members.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
        members.get(victim).kill();
        List<String> survivors = members.keySet().stream().filter(n -> !n.equals(victim)).toList();
        for (int i = 0; i < 400; i++) {
            written.add(propose("during-" + i, survivors));
        }
        long leaderSnapshot = Long.parseLong(members.get(awaitLeader(survivors)).command("snapshots",
                Duration.ofSeconds(10)).split(" ")[1]);
        assertTrue(leaderSnapshot > 300, "the leader compacted far past the killed member: " + leaderSnapshot);

        start(victim);
        Awaiting.until(() -> allApplied(written.size()), DEADLINE, this::describe);
        String[] stats = members.get(victim).command("snapshots", Duration.ofSeconds(10)).split(" ");
        assertTrue(Long.parseLong(stats[3]) >= 1, victim + " installed no snapshot: " + String.join(" ", stats));
        assertTrue(Long.parseLong(stats[4]) > 0, victim + " fetched no snapshot data: " + String.join(" ", stats));
        byte[] reference = Files.readAllBytes(stateFile(leader));
        for (String name : members.keySet()) {
            assertEquals(new String(reference), Files.readString(stateFile(name)), name + "'s state file differs");
        }
        List<String> payloads = members.get(leader).appliedLines().stream()
                .map(line -> line.split("\t", 2)[1]).toList();
        assertEquals(written, payloads, "applied commands differ from the acknowledged ones");
    }

    private Path stateFile(String name) {
        return members.get(name).dataDir.resolve("demo-applied.log");
    }

    private void start(String name) throws Exception {
        members.put(name, new MemberProcess(name, tempDir.resolve(name), clusterSpec, JVM_OPTIONS));
    }

    private String awaitLeader(Collection<String> candidates) {
        String[] leader = new String[1];
        Awaiting.until(() -> {
            List<String> leaders = candidates.stream()
                    .filter(n -> members.get(n).status()[1].equals("LEADER")).toList();
            leader[0] = leaders.size() == 1 ? leaders.get(0) : null;
            return leader[0] != null;
        }, DEADLINE, this::describe);
        return leader[0];
    }

    /** Proposes on the leader, retrying only outcomes that say it was definitely not applied. */
    private String propose(String command, Collection<String> candidates) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            String reply = members.get(awaitLeader(candidates)).command("propose " + command, Duration.ofSeconds(10));
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
                text.append(String.join(" ", member.status())).append(' ')
                        .append(member.command("snapshots", Duration.ofSeconds(10)));
            }
            text.append('\n').append(member.log()).append('\n');
        }
        return text.toString();
    }
}
