package io.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.MemoryLogStore;
import io.kvstore.raft.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime around a real single-member core, with an in-memory log and no network. */
class RaftNodeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final MemoryLogStore logStore = new MemoryLogStore();
    private final RecordingStateMachine stateMachine = new RecordingStateMachine();
    private RaftNode node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void singleMemberBecomesLeaderAndAppliesProposalsInOrder() throws Exception {
        node = startSingleMember();
        List<CompletableFuture<Object>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(node.propose(ByteString.copyFromUtf8("cmd-" + i)));
        }
        for (int i = 0; i < futures.size(); i++) {
            assertEquals("applied cmd-" + i, futures.get(i).get(10, TimeUnit.SECONDS));
        }
        List<String> commands = stateMachine.commands();
        assertEquals(200, commands.size());
        assertEquals("cmd-0", commands.get(0));
        assertEquals("cmd-199", commands.get(199));
        // Group commit: 200 proposals queued together must not cost 200 fsyncs.
        assertTrue(logStore.syncs() < 200, "syncs: " + logStore.syncs());
    }

    @Test
    void aLogThatCannotSyncStopsTheMemberAndReportsWhy() throws Exception {
        node = startSingleMember();
        assertTrue(!node.failure().isDone(), "no failure while healthy");
        logStore.failSyncs(new java.io.IOException("disk gone"));
        CompletableFuture<Object> write = node.propose(ByteString.copyFromUtf8("lost?"));
        Throwable cause = node.failure().get(10, TimeUnit.SECONDS);
        assertEquals("disk gone", cause.getMessage());
        // The member stopped: the write was never acknowledged, and later requests fail fast.
        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof RaftClosedException, e.getCause().toString());
    }

    @Test
    void readIndexCompletesOnceApplied() throws Exception {
        node = startSingleMember();
        node.propose(ByteString.copyFromUtf8("x")).get(10, TimeUnit.SECONDS);
        long index = node.readIndex().get(10, TimeUnit.SECONDS);
        assertTrue(index >= 2, "read index " + index + " must cover the no-op and the write");
        assertTrue(node.status().appliedIndex() >= index);
    }

    @Test
    void closeFailsLaterRequestsAndClosesTheLog() {
        node = startSingleMember();
        node.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> node.propose(ByteString.EMPTY).get(10, TimeUnit.SECONDS));
        assertInstanceOf(RaftClosedException.class, e.getCause());
        assertTrue(logStore.isClosed());
    }

    @Test
    void followerWithoutLeaderRejectsProposalsWithNotLeader() throws Exception {
        // Two voters, the other never answers: this member never becomes leader.
        RaftNodeOptions options = RaftNodeOptions.builder("n1", "c1",
                Map.of("n1", new InetSocketAddress("127.0.0.1", 1), "n2", new InetSocketAddress("127.0.0.1", 2)),
                Path.of("unused")).tickMillis(1).build();
        node = RaftNode.create(options, stateMachine, logStore, new NullTransport());
        node.start();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> node.propose(ByteString.EMPTY).get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotLeaderException.class, e.getCause());
        e = assertThrows(ExecutionException.class, () -> node.readIndex().get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotLeaderException.class, e.getCause());
    }

    private RaftNode startSingleMember() {
        RaftNodeOptions options = RaftNodeOptions.builder("n1", "c1",
                Map.of("n1", new InetSocketAddress("127.0.0.1", 1)), Path.of("unused")).tickMillis(1).build();
        try {
            RaftNode started = RaftNode.create(options, stateMachine, logStore, new NullTransport());
            started.start();
            Awaiting.until(() -> started.status().role() == Role.LEADER, DEADLINE, () -> "leader: " + started.status());
            return started;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Records applied commands; returns "applied <command>". */
    static final class RecordingStateMachine implements StateMachine {
        private final List<String> commands = new CopyOnWriteArrayList<>();

        @Override
        public long appliedIndex() {
            return 0;
        }

        @Override
        public Object apply(Entry entry) {
            if (entry.type() != Entry.Type.COMMAND) {
                return null;
            }
            String command = entry.data().toStringUtf8();
            commands.add(command);
            return "applied " + command;
        }

        @Override
        public void snapshot(Path dir) {
            throw new UnsupportedOperationException("these tests never reach the snapshot threshold");
        }

        @Override
        public void restore(Path dir, long index) {
            throw new UnsupportedOperationException("these tests never install a snapshot");
        }

        List<String> commands() {
            return List.copyOf(commands);
        }
    }

    /** A transport to nowhere: single-member tests send nothing, multi-member ones lose everything. */
    static final class NullTransport implements Transport {
        @Override
        public void start(Consumer<Message> inbound, Consumer<io.kvstore.raft.transport.SnapshotFrame> frames) {}

        @Override
        public void send(io.kvstore.raft.transport.SnapshotFrame frame) {}

        @Override
        public void send(Message message) {}

        @Override
        public void updatePeers(java.util.Map<String, java.net.InetSocketAddress> peers) {}

        @Override
        public void close() {}
    }
}
