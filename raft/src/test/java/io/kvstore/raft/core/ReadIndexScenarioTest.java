package io.kvstore.raft.core;

import static io.kvstore.raft.core.ScenarioNetwork.ELECTION_TICKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message.AppendEntries;
import io.kvstore.raft.core.Message.HeartbeatResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Linearizable reads through the read index (dissertation §6.4). */
class ReadIndexScenarioTest {

    /**
     * etcd #7331: a new leader may not know the latest commit index until it commits an entry of its own term.
     * Leader 1 commits w at index 2 (and acknowledges it) but is cut off before the followers learn that; the new
     * leader's commit index is still 1. A read it confirmed now would miss w, so it must wait for its no-op.
     */
    @Test
    void newLeaderConfirmsNoReadIndexBeforeCommittingAnEntryOfItsTerm() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        long write = ((ProposeResult.Accepted) net.propose("1", "w")).index();
        assertTrue(net.stabilizeUntil(() -> net.status("1").commitIndex() == write));
        net.isolate("1");
        net.stabilize();
        assertTrue(net.applied("1").stream().anyMatch(e -> e.index() == write), "w was acknowledged");

        net.dropIf(m -> m instanceof AppendEntries && m.term() > term);
        net.tickUntil(() -> !net.leaders("2", "3").isEmpty(), 4 * ELECTION_TICKS, "2", "3");
        String leader = net.leaders("2", "3").get(0);
        String follower = leader.equals("2") ? "3" : "2";
        assertTrue(net.status(leader).commitIndex() < write, "the scenario needs a leader behind on commits");

        assertTrue(net.core(leader).readIndex(7));
        for (int i = 0; i < ELECTION_TICKS; i++) {
            net.tick(leader, follower);
            net.stabilize();
        }
        assertEquals(Role.LEADER, net.status(leader).role(), "heartbeats kept it leader");
        assertTrue(net.readStates(leader).isEmpty(), "read confirmed before the term's first commit\n"
                + net.transcript());

        net.clearDropRules();
        net.tickUntil(() -> !net.readStates(leader).isEmpty(), 2 * ELECTION_TICKS, leader, follower);
        ReadState read = net.readStates(leader).get(0);
        assertEquals(7, read.requestId());
        assertTrue(read.index() >= write, "the read index covers the acknowledged write: " + read);
    }

    /**
     * Dissertation §6.4: once a quorum confirmed the leader, the read index covers every write acknowledged before
     * the read was requested. Without a quorum the read waits.
     */
    @Test
    void readConfirmedByAQuorumCoversEveryEarlierAcknowledgedWrite() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        for (long request = 1; request <= 5; request++) {
            if (request == 3) {
                net.isolate("3"); // one follower is enough for a quorum
            }
            long write = net.proposeAndCommit("1", "w" + request);
            assertEquals(write, net.applied("1").get(net.applied("1").size() - 1).index(), "acknowledged");
            assertTrue(net.core("1").readIndex(request));
            net.stabilize();
            List<ReadState> reads = net.readStates("1");
            ReadState read = reads.get(reads.size() - 1);
            assertEquals(request, read.requestId(), net::transcript);
            assertTrue(read.index() >= write, read + " misses write " + write);
        }

        net.isolate("2");
        assertTrue(net.core("1").readIndex(100));
        net.stabilize();
        assertTrue(net.readStates("1").stream().noneMatch(r -> r.requestId() == 100), "no quorum, no read");
        net.healAll();
        net.tickUntil(() -> net.readStates("1").stream().anyMatch(r -> r.requestId() == 100), ELECTION_TICKS, "1");
    }

    /**
     * Dissertation §6.4: a leader deposed before a quorum confirmed it must never answer the read, neither when
     * the confirmations finally arrive nor after it wins a later term.
     */
    @Test
    void deposedLeaderNeverConfirmsAPendingRead() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        net.holdIf(m -> m instanceof HeartbeatResponse && m.to().equals("1") && m.term() == term);
        assertTrue(net.core("1").readIndex(9));
        net.stabilize();
        net.isolate("1");
        net.tickUntil(() -> !net.leaders("2", "3").isEmpty(), 4 * ELECTION_TICKS, "2", "3");
        String newLeader = net.leaders("2", "3").get(0);
        String other = newLeader.equals("2") ? "3" : "2";

        net.heal("1");
        net.tickUntil(() -> newLeader.equals(net.status("1").leaderId()), 2 * ELECTION_TICKS, newLeader);
        net.releaseAll();
        net.stabilize();
        // A follower forwards a read to its leader (dissertation §6.4.1); the old request 9 must not resurface.
        assertTrue(net.core("1").readIndex(10), "a follower with a leader forwards reads");

        // 1 leads again in a later term; the old request must not ride on the new term's heartbeats.
        net.isolate(newLeader);
        for (int i = 0; i < ELECTION_TICKS; i++) {
            net.tick(other);
        }
        net.electLeader("1");
        assertTrue(net.core("1").readIndex(11));
        net.tickUntil(() -> net.readStates("1").stream().anyMatch(r -> r.requestId() == 11), 2 * ELECTION_TICKS,
                "1", other);
        // Request 9 was answered as failed (-1) when 1 lost leadership, never confirmed.
        assertTrue(net.readStates("1").stream().noneMatch(r -> r.requestId() == 9 && !r.failed()), net::transcript);
        assertTrue(net.readStates("1").stream().anyMatch(r -> r.requestId() == 9 && r.failed()), net::transcript);
    }
}
