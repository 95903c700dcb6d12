package io.kvstore.raft.core;

import static io.kvstore.raft.core.ScenarioNetwork.ELECTION_TICKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message.RequestVote;
import io.kvstore.raft.core.Message.RequestVoteResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Elections, pre-vote and check-quorum, one behaviour per test. */
class ElectionScenarioTest {

    /**
     * etcd #14370: a single-member etcd acknowledged a write before its own fsync, and lost it in a crash. An
     * entry must reach committedEntries only in a Ready after the one that persisted it was advanced.
     */
    @Test
    void singleMemberCommitsOnlyAfterItsOwnFsync() {
        ScenarioNetwork net = ScenarioNetwork.of(1);
        net.campaign("1");
        assertEquals(Role.LEADER, net.status("1").role(), "a lone member wins its own vote at once");

        Ready first = net.core("1").ready();
        assertEquals(List.of(1L), indexes(first.entriesToPersist()), "the leader's no-op must be persisted");
        assertTrue(first.committedEntries().isEmpty(), "nothing is committed before the fsync");
        net.handle("1", first);
        Ready second = net.core("1").ready();
        assertEquals(List.of(1L), indexes(second.committedEntries()), "committed once the fsync was advanced");
        net.handle("1", second);

        long index = ((ProposeResult.Accepted) net.propose("1", "x")).index();
        Ready withEntry = net.core("1").ready();
        assertEquals(List.of(index), indexes(withEntry.entriesToPersist()));
        assertTrue(withEntry.committedEntries().isEmpty(), "a proposal is not committed in the Ready persisting it");
        assertEquals(index - 1, net.status("1").commitIndex());
        net.handle("1", withEntry);
        assertEquals(index, net.status("1").commitIndex());
        assertEquals(List.of(index), indexes(net.core("1").ready().committedEntries()));
    }

    /** Raft §5.2, Election Safety: at most one leader per term; with a healthy network exactly one, and it stays. */
    @Test
    void threeMembersElectExactlyOneLeaderWhoKeepsLeading() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        Map<Long, String> leaderByTerm = new HashMap<>();
        int ticks = net.tickUntil(() -> !net.leaders().isEmpty(), 4 * ELECTION_TICKS);
        assertTrue(ticks >= ELECTION_TICKS, "no election before the election timeout");
        String leader = net.leaders().get(0);
        long term = net.status(leader).term();
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            net.tick();
            net.stabilize();
            for (String id : net.leaders()) {
                String previous = leaderByTerm.putIfAbsent(net.status(id).term(), id);
                assertTrue(previous == null || previous.equals(id), "two leaders in one term\n" + net.transcript());
            }
            assertEquals(List.of(leader), net.leaders(), net::transcript);
        }
        for (String id : List.of("1", "2", "3")) {
            assertEquals(term, net.status(id).term(), "no further election while the leader is healthy");
            assertEquals(leader, net.status(id).leaderId());
        }
    }

    /**
     * Raft §5.4.1, election restriction: a voter refuses a candidate whose log is less up to date than its own.
     * Member 3 misses an entry committed by 1 and 2; with 1 gone, 2 refuses 3 in term after term. Check-quorum is
     * off so the refusal comes from the log comparison, not from 2's leader lease (tested separately).
     */
    @Test
    void candidateWithStaleLogIsRefused() {
        ScenarioNetwork net = ScenarioNetwork.of(3, ScenarioNetwork.Tuning.DEFAULT.withPreVote(false)
                .withCheckQuorum(false));
        net.electLeader("1");
        net.isolate("3");
        long index = net.proposeAndCommit("1", "x");
        assertEquals(index, net.status("2").lastIndex());
        net.healAll();
        net.isolate("1");

        int mark = net.mark();
        for (int campaign = 0; campaign < 3; campaign++) {
            net.campaign("3");
            net.stabilize();
            assertNotEquals(Role.LEADER, net.status("3").role(), net::transcript);
        }
        List<RequestVoteResponse> answers = net.deliveredSince(mark).stream()
                .filter(m -> m instanceof RequestVoteResponse r && r.from().equals("2"))
                .map(m -> (RequestVoteResponse) m).toList();
        assertFalse(answers.isEmpty(), "member 2 was asked");
        assertTrue(answers.stream().noneMatch(RequestVoteResponse::granted), net::transcript);

        net.electLeader("2");
        assertEquals(net.durableLog("2"), net.durableLog("3"), "the up-to-date member won and repaired 3");
    }

    /**
     * Dissertation §9.6 and hashicorp/raft #524: a member cut off keeps failing pre-votes, so its term stays put;
     * when it comes back it neither raises the cluster's term nor deposes the leader.
     */
    @Test
    void preVoteKeepsAnIsolatedMemberFromDisruptingTheClusterWhenItRejoins() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        net.isolate("3");
        boolean campaigned = false;
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            net.tick();
            net.stabilize();
            campaigned |= net.status("3").role() == Role.PRE_CANDIDATE;
            assertEquals(term, net.status("3").term(), "an isolated member must not raise its term");
        }
        assertTrue(campaigned, "member 3 tried to campaign while isolated");
        net.proposeAndCommit("1", "while 3 was away");

        net.heal("3");
        net.tickUntil(() -> "1".equals(net.status("3").leaderId()), 2 * ELECTION_TICKS);
        for (String id : List.of("1", "2", "3")) {
            assertEquals(term, net.status(id).term(), net::transcript);
        }
        assertEquals(List.of("1"), net.leaders());
    }

    /** The same partition without pre-vote: the rejoining member's inflated term deposes the leader. */
    @Test
    void withoutPreVoteARejoiningMemberDeposesTheLeader() {
        ScenarioNetwork net = ScenarioNetwork.of(3, ScenarioNetwork.Tuning.DEFAULT.withPreVote(false));
        net.electLeader("1");
        long term = net.status("1").term();
        net.isolate("3");
        net.tickUntil(() -> net.status("3").term() > term + 2, 10 * ELECTION_TICKS);
        net.heal("3");
        net.tickUntil(() -> net.status("1").term() > term, 2 * ELECTION_TICKS);
        assertNotEquals(Role.LEADER, net.status("1").role(), "the old leader learned the higher term");
    }

    /**
     * Dissertation §6.2, check-quorum: a leader that has not heard from a majority for an election timeout steps
     * down, so clients stop waiting on it. The check runs every electionTicks, and a follower heard just before one
     * check counts for that window, so stepping down takes between one and two election timeouts.
     */
    @Test
    void leaderIsolatedFromTheMajorityStepsDownWithinTwoElectionTimeouts() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        for (int i = 0; i < 3; i++) {
            net.tick("1");
            net.stabilize();
        }
        net.isolate("1");
        int ticks = net.tickUntil(() -> net.status("1").role() != Role.LEADER, 2 * ELECTION_TICKS, "1");
        assertTrue(ticks > 0, "the followers answered recently, so the first check passes");
        assertEquals(term, net.status("1").term(), "it stepped down on its own, not on hearing a higher term");
    }

    /**
     * Dissertation §4.2.3: a member that heard from a leader within the election timeout ignores RequestVote, so a
     * member that cannot hear the leader cannot depose it. Once the lease has run out, the same request counts.
     */
    @Test
    void membersInALeaderLeaseIgnoreVoteRequests() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        long lastIndex = net.status("3").lastIndex();
        int mark = net.mark();
        for (boolean preVote : new boolean[] {true, false}) {
            net.send(new RequestVote("3", "2", term + 1, lastIndex, term, preVote, false));
            net.send(new RequestVote("3", "1", term + 1, lastIndex, term, preVote, false));
            net.stabilize();
        }
        assertEquals(term, net.status("2").term());
        assertEquals(List.of("1"), net.leaders());
        assertTrue(net.deliveredSince(mark).stream().noneMatch(m -> m instanceof RequestVoteResponse),
                "in-lease members do not even answer\n" + net.transcript());

        net.isolate("1");
        for (int i = 0; i < ELECTION_TICKS; i++) {
            net.tick("2");
        }
        net.stabilize();
        net.send(new RequestVote("3", "2", term + 1, lastIndex, term, false, false));
        net.stabilize();
        assertEquals(term + 1, net.status("2").term(), "out of lease, the request is heard\n" + net.transcript());
    }

    /**
     * The 2020 Cloudflare etcd outage: only the link between the leader and B fails. B cannot hear the leader and
     * campaigns; without pre-vote and check-quorum it would raise the term again and again and depose the leader
     * (livelock). Here B's pre-votes reach C, which hears the leader and ignores them: the leader keeps leading
     * and committing through C for many election timeouts.
     */
    @Test
    void partialPartitionBetweenLeaderAndOneFollowerDoesNotLivelock() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        long term = net.status("1").term();
        net.cut("1", "2");
        int mark = net.mark();
        long commit = net.status("1").commitIndex();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < ELECTION_TICKS; i++) {
                net.tick();
                net.stabilize();
            }
            net.proposeAndCommit("1", "round " + round);
            assertEquals(List.of("1"), net.leaders(), net::transcript);
            for (String id : List.of("1", "2", "3")) {
                assertEquals(term, net.status(id).term(), net::transcript);
            }
            assertTrue(net.status("3").commitIndex() > commit, "commits advance through 3");
            commit = net.status("3").commitIndex();
        }
        assertTrue(net.deliveredSince(mark).stream()
                .anyMatch(m -> m instanceof RequestVote rv && rv.preVote() && rv.from().equals("2")),
                "2 campaigned (pre-vote) to 3, so the scenario exercised the partition");

        net.healAll();
        net.tickUntil(() -> net.status("2").lastIndex() == net.status("1").lastIndex(), 4 * ELECTION_TICKS);
        assertEquals(term, net.status("2").term());
    }

    static List<Long> indexes(List<Entry> entries) {
        return entries.stream().map(Entry::index).toList();
    }
}
