package io.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.demo.AppendOnlyFileStateMachine;
import io.kvstore.raft.log.FileDisk;
import io.kvstore.raft.log.SegmentedLogStore;
import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import io.kvstore.raft.transport.NettyTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link RaftNode}s in one JVM over real NettyTransports on loopback and real log directories (small
 * segments, so compaction visibly deletes them), with the durable {@link AppendOnlyFileStateMachine} and a snapshot
 * every 50 entries: a member that was down while the others compacted past it catches up through a snapshot, and a
 * member that lost its state machine rebuilds it from its own snapshot and log tail.
 */
class SnapshotClusterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final long SEGMENT_BYTES = 16 << 10;
    /** Padding so 1,000 entries span many 16 KiB segments. */
    private static final String PAD = "x".repeat(100);

    @TempDir
    Path dir;

    private final Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
    private final Map<String, RaftNode> nodes = new LinkedHashMap<>();
    private final Map<String, AppendOnlyFileStateMachine> machines = new LinkedHashMap<>();

    @AfterEach
    void closeAll() throws IOException {
        for (String id : List.copyOf(nodes.keySet())) {
            stop(id);
        }
    }

    private void start(String id) throws IOException {
        RaftNodeOptions options = RaftNodeOptions.builder(id, "snap", addresses, dir.resolve(id))
                .tickMillis(10).electionTicks(50).snapshotEveryEntries(50).build(); // 0.5 s: CI machines are shared
        AppendOnlyFileStateMachine sm = new AppendOnlyFileStateMachine(stateFile(id));
        RaftNode node = RaftNode.create(options, sm,
                new SegmentedLogStore(new FileDisk(logDir(id)), SEGMENT_BYTES),
                new NettyTransport(id, "snap", addresses.get(id), addresses));
        node.start();
        nodes.put(id, node);
        machines.put(id, sm);
    }

    private void stop(String id) throws IOException {
        nodes.remove(id).close();
        machines.remove(id).close();
    }

    private Path stateFile(String id) {
        return dir.resolve(id).resolve("applied.log");
    }

    private Path logDir(String id) {
        return dir.resolve(id).resolve("raft").resolve("log");
    }

    private String leader() {
        String[] leader = new String[1];
        Awaiting.until(() -> {
            leader[0] = nodes.entrySet().stream().filter(e -> e.getValue().status().role() == Role.LEADER)
                    .map(Map.Entry::getKey).findFirst().orElse(null);
            return leader[0] != null;
        }, DEADLINE, this::describe);
        return leader[0];
    }

    /** Writes {@code count} commands through the leader; retries only outcomes that were definitely not applied. */
    private void write(String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            ByteString command = ByteString.copyFromUtf8(prefix + "-" + i + "-" + PAD);
            while (true) {
                try {
                    nodes.get(leader()).propose(command).get(10, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof NotLeaderException)) {
                        throw e;
                    }
                }
            }
        }
    }

    private void awaitSameState() {
        Awaiting.until(() -> {
            long applied = nodes.get(leader()).status().appliedIndex();
            return nodes.values().stream().allMatch(n -> n.status().appliedIndex() == applied);
        }, DEADLINE, this::describe);
    }

    @Test
    void aMemberThatMissedCompactedEntriesCatchesUpBySnapshot() throws Exception {
        for (String id : List.of("n1", "n2", "n3")) {
            addresses.put(id, FreePorts.loopback());
        }
        for (String id : addresses.keySet()) {
            start(id);
        }
        write("a", 500);
        String leader = leader();
        String lagging = addresses.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        awaitSameState();
        long laggingApplied = nodes.get(lagging).status().appliedIndex();
        stop(lagging);

        write("b", 500);
        RaftNode.SnapshotStats leaderStats = nodes.get(leader).snapshotStats();
        assertTrue(leaderStats.snapshotIndex() > laggingApplied + 100, "leader compacted past the stopped member: "
                + leaderStats + " vs " + laggingApplied);

        start(lagging);
        awaitSameState();
        RaftNode.SnapshotStats caughtUp = nodes.get(lagging).snapshotStats();
        assertTrue(caughtUp.snapshotsInstalled() >= 1, "caught up by snapshot: " + caughtUp);
        assertTrue(caughtUp.bytesFetched() > 0, "fetched the snapshot's data: " + caughtUp);
        List<String> reference = AppendOnlyFileStateMachine.readLines(stateFile(leader));
        assertEquals(1000, reference.size());
        for (String id : nodes.keySet()) {
            assertEquals(reference, AppendOnlyFileStateMachine.readLines(stateFile(id)), id + " differs");
        }
        // ~130 KB of entries in 16 KiB segments: without compaction there would be about 9 segments per member.
        for (String id : nodes.keySet()) {
            assertTrue(segments(id) <= 4, id + " keeps " + segments(id) + " log segments");
        }
        // Snapshot directories are bounded too: the newest two (plus at most one in flight).
        for (String id : nodes.keySet()) {
            assertTrue(snapshotDirs(id) <= 3, id + " keeps " + snapshotDirs(id) + " snapshots");
        }

        // Restart from snapshot + log tail: a member that loses its state machine rebuilds it from its own
        // latest snapshot and the entries after it, and ends equal to the leader, which applied every entry.
        String other = addresses.keySet().stream().filter(id -> !id.equals(leader) && !id.equals(lagging))
                .findFirst().orElseThrow();
        stop(other);
        Files.delete(stateFile(other));
        start(other);
        write("c", 20);
        awaitSameState();
        reference = AppendOnlyFileStateMachine.readLines(stateFile(leader));
        assertEquals(1020, reference.size());
        for (String id : nodes.keySet()) {
            assertEquals(reference, AppendOnlyFileStateMachine.readLines(stateFile(id)), id + " differs");
        }
    }

    private long segments(String id) throws IOException {
        try (Stream<Path> files = Files.list(logDir(id))) {
            return files.count();
        }
    }

    private long snapshotDirs(String id) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(id).resolve("raft").resolve("snapshots"))) {
            return files.count();
        }
    }

    private String describe() {
        StringBuilder text = new StringBuilder();
        nodes.forEach((id, n) -> text.append(id).append(' ').append(n.status()).append(' ')
                .append(n.snapshotStats()).append('\n'));
        return text.toString();
    }
}
