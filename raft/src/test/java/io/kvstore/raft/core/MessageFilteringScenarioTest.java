package io.kvstore.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message.AppendEntries;
import io.kvstore.raft.core.Message.Heartbeat;
import io.kvstore.raft.core.Message.HeartbeatResponse;
import io.kvstore.raft.core.Message.RequestVote;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a member does with messages it should not act on. */
class MessageFilteringScenarioTest {

    /**
     * A removed member's vote request (hashicorp/raft #524 is the removed-server case) must not change anyone's term
     * or leader while they hear from a live leader (the lease), whatever term it claims; nor may a message meant for
     * another member. AppendEntries from an id outside our membership are NOT ignored: membership changes, and a
     * lagging follower must accept a leader its log does not list yet (a message of term T comes from T's only
     * leader). Who may connect at all is the transport's check (cluster id and member list in the hello).
     */
    @Test
    void voteRequestsInALeaseAndMessagesForAnotherMemberAreIgnored() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        RaftStatus before = net.status("2");
        long term = before.term();
        Entry foreign = new Entry(before.lastIndex() + 1, term + 5, Entry.Type.COMMAND,
                com.google.protobuf.ByteString.copyFromUtf8("foreign"));
        List<Message> ignored = List.of(
                new RequestVote("9", "2", term + 5, 100, term + 5, false, false),
                new RequestVote("9", "2", term + 5, 100, term + 5, true, false),
                new AppendEntries("1", "3", term + 5, before.lastIndex(), term, List.of(foreign), 0),
                new RequestVote("3", "1", term + 5, 100, term + 5, false, false));
        for (Message m : ignored) {
            net.core("2").step(m);
            assertFalse(net.core("2").hasReady(), "no answer, no state change for " + ScenarioNetwork.describe(m));
            assertEquals(before, net.status("2"));
        }
    }

    /**
     * Raft §5.1: a leader that missed an election (here: isolated, without ticking, so check-quorum did not fire)
     * sends AppendEntries in its stale term; the answer carries the newer term and makes it step down.
     */
    @Test
    void staleTermAppendIsAnsweredSoTheOldLeaderStepsDown() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        net.isolate("1");
        net.tickUntil(() -> !net.leaders("2", "3").isEmpty(), 4 * ScenarioNetwork.ELECTION_TICKS, "2", "3");
        long newTerm = net.status(net.leaders("2", "3").get(0)).term();
        assertEquals(Role.LEADER, net.status("1").role());

        net.heal("1");
        int mark = net.mark();
        net.propose("1", "stale");
        net.stabilize();
        assertEquals(Role.FOLLOWER, net.status("1").role(), net::transcript);
        assertEquals(newTerm, net.status("1").term());
        assertTrue(net.deliveredSince(mark).stream().anyMatch(m -> m instanceof HeartbeatResponse r
                && r.to().equals("1") && r.term() == newTerm), "the stale append was answered");
        assertTrue(newTerm > term);
    }
}
