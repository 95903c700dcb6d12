package io.kvstore.raft.bench;

import io.kvstore.raft.RaftNode;
import io.kvstore.raft.RaftNodeOptions;
import io.kvstore.raft.StateMachine;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.log.FileDisk;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.SegmentedLogStore;
import io.kvstore.raft.testing.FreePorts;
import io.kvstore.raft.transport.NettyTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Three members in this JVM on 127.0.0.1 with real transports and fsynced logs under {@code dir}. Members are
 * started together and closed by {@link #close()}; a member closed earlier (failover) is skipped there.
 */
final class BenchCluster implements AutoCloseable {
    private static final int MEMBERS = 3;
    private static final long LEADER_WAIT_MILLIS = 10_000;

    private final List<RaftNode> nodes = new ArrayList<>();

    /** @param perEntrySync true to disable group commit (one fsync per entry, see {@link PerEntrySyncLogStore}) */
    BenchCluster(Path dir, boolean perEntrySync) throws IOException {
        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
        for (int i = 1; i <= MEMBERS; i++) {
            members.put("m" + i, FreePorts.loopback());
        }
        for (String id : members.keySet()) {
            RaftNodeOptions options = RaftNodeOptions.builder(id, "bench", members, dir.resolve(id)).build();
            LogStore log = new SegmentedLogStore(new FileDisk(dir.resolve(id).resolve("log")));
            if (perEntrySync) {
                log = new PerEntrySyncLogStore(log);
            }
            NettyTransport transport = new NettyTransport(id, "bench", members.get(id), members);
            nodes.add(RaftNode.create(options, new CountingStateMachine(), log, transport));
        }
        nodes.forEach(RaftNode::start);
    }

    /** Waits for a leader, other than {@code excluded} (may be null), that has committed an entry of its term. */
    RaftNode awaitLeader(RaftNode excluded) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        while (System.nanoTime() - deadline < 0) {
            for (RaftNode node : nodes) {
                RaftStatus s = node.status();
                if (node != excluded && s.role() == Role.LEADER && s.appliedIndex() > 0) {
                    return node;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new IllegalStateException("no leader within " + LEADER_WAIT_MILLIS + " ms");
    }

    /** Members other than {@code excluded}, for polling during a failover. */
    List<RaftNode> others(RaftNode excluded) {
        return nodes.stream().filter(n -> n != excluded).toList();
    }

    @Override
    public void close() {
        nodes.forEach(RaftNode::close);
    }

    /** The trivial state machine: counts applied entries and returns null. Called on one apply thread. */
    private static final class CountingStateMachine implements StateMachine {
        private long applied;

        @Override
        public long appliedIndex() {
            return applied;
        }

        @Override
        public Object apply(Entry entry) {
            applied = entry.index();
            return null;
        }

        /** No state but the index, which the node's manifest records: the snapshot holds no files. */
        @Override
        public void snapshot(java.nio.file.Path dir) {}

        @Override
        public void restore(java.nio.file.Path dir, long index) {
            applied = index;
        }
    }
}
