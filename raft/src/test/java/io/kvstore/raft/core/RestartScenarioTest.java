package io.kvstore.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message.RequestVote;
import io.kvstore.raft.core.Message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A member recreated from its durable state (Raft Figure 2, "persistent state on all servers"). */
class RestartScenarioTest {

    /** The state machine's applied index is durable: a restarted member resumes after it, applying nothing twice. */
    @Test
    void restartedMemberDoesNotReapplyAppliedEntries() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        for (int i = 0; i < 5; i++) {
            net.proposeAndCommit("1", "w" + i);
        }
        List<Entry> appliedBefore = net.applied("2");
        assertEquals(net.status("1").commitIndex(), appliedBefore.size(), "2 applied everything");

        net.restart("2");
        assertEquals(appliedBefore.size(), net.status("2").appliedIndex());
        net.proposeAndCommit("1", "after restart");
        net.tickUntil(() -> net.status("2").appliedIndex() == net.status("1").commitIndex(),
                2 * ScenarioNetwork.ELECTION_TICKS);
        List<Long> indexes = net.applied("2").stream().map(Entry::index).toList();
        assertEquals(indexes.stream().distinct().toList(), indexes, "an entry was applied twice");
        assertEquals(net.applied("1"), net.applied("2"));
    }

    /**
     * Raft §5.2: at most one vote per term, across crashes. The vote is in the Ready's hard state and its answer is
     * sent only after that is persisted; a restarted member remembers it and refuses a second candidate.
     */
    @Test
    void restartedMemberDoesNotVoteTwiceInATerm() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.core("3").step(new RequestVote("1", "3", 5, 0, 0, false, false));
        Ready ready = net.core("3").ready();
        assertEquals(new HardState(5, "1", 0), ready.hardState());
        assertTrue(ready.messagesBeforePersist().isEmpty(), "a vote is not sent before it is durable");
        assertEquals(List.of(new RequestVoteResponse("3", "1", 5, true, false)), ready.messagesAfterPersist());
        net.handle("3", ready);

        net.restart("3");
        net.send(new RequestVote("2", "3", 5, 0, 0, false, false));
        int mark = net.mark();
        net.deliverPending(); // the request, and the answer to 1 queued before the restart
        net.handleReadies("3");
        net.deliverPending();
        List<RequestVoteResponse> toTwo = net.deliveredSince(mark).stream()
                .filter(m -> m instanceof RequestVoteResponse r && r.to().equals("2"))
                .map(m -> (RequestVoteResponse) m).toList();
        assertEquals(List.of(new RequestVoteResponse("3", "2", 5, false, false)), toTwo, net::transcript);
        assertEquals("1", net.hardState("3").votedFor());
    }
}
