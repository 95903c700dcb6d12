package io.kvstore.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message.AppendEntries;
import io.kvstore.raft.core.Message.AppendEntriesResponse;
import io.kvstore.raft.core.Message.HeartbeatResponse;
import io.kvstore.raft.core.Message.TimeoutNow;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Membership changes, leadership transfer and the lease bookkeeping, each scenario named after the rule it shows
 * (dissertation §4 for membership, §3.10 for transfer, §6.4.1 for lease reads).
 */
class MembershipScenarioTest {

    /**
     * Ongaro, raft-dev 2015: a new leader must not append a configuration change before it has committed an entry
     * of its own term; and only one change may be uncommitted at a time.
     */
    @Test
    void changesWaitForAnOwnTermCommitAndForThePreviousChange() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        // Hold every acknowledgement from the start: the new leader's no-op stays uncommitted.
        net.holdIf(m -> m instanceof AppendEntriesResponse && m.to().equals("1"));
        net.electLeader("1");
        RaftCore leader = net.core("1");
        assertTrue(leader.logTerm(leader.status().commitIndex()) != leader.status().term(), net::transcript);
        ProposeResult early = leader.proposeMembershipChange(MembershipChange.remove("3"));
        assertInstanceOf(ProposeResult.Busy.class, early, "no change before an own-term commit: " + early);
        assertEquals(-1, leader.leaseReadIndex(), "no lease reads before an own-term commit either");
        net.releaseAll();
        net.stabilize();
        assertInstanceOf(ProposeResult.Accepted.class, leader.proposeMembershipChange(MembershipChange.remove("3")));
        ProposeResult second = leader.proposeMembershipChange(MembershipChange.remove("2"));
        assertInstanceOf(ProposeResult.Busy.class, second, "a second change before the first commits");
        net.stabilize();
        assertEquals(Set.of("1", "2"), leader.membership().voters());
        assertInstanceOf(ProposeResult.Rejected.class, leader.proposeMembershipChange(MembershipChange.remove("3")));
    }

    /** A learner receives the log but is promoted only once caught up, and never campaigns. */
    @Test
    void learnerCatchesUpBeforePromotionAndNeverCampaigns() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        for (int i = 0; i < 5; i++) {
            net.proposeAndCommit("1", "w" + i);
        }
        net.isolate("3");
        assertInstanceOf(ProposeResult.Accepted.class,
                net.core("1").proposeMembershipChange(MembershipChange.remove("3")));
        net.stabilize();
        net.heal("3");
        assertInstanceOf(ProposeResult.Accepted.class,
                net.core("1").proposeMembershipChange(MembershipChange.addLearner("3", "h3:7380")));
        net.stabilize();
        // 3 is a learner now (after the removal it has a stale log); promotion waits until it matches.
        net.tickUntil(() -> net.core("1").matchIndexes().getOrDefault("3", 0L)
                == net.status("1").lastIndex(), 10 * ScenarioNetwork.ELECTION_TICKS, "1", "2", "3");
        assertInstanceOf(ProposeResult.Accepted.class,
                net.core("1").proposeMembershipChange(MembershipChange.promote("3")), net::transcript);
        net.stabilize();
        assertEquals(Set.of("1", "2", "3"), net.core("3").membership().voters());
        assertEquals(Role.LEADER, net.status("1").role());
    }

    /**
     * A config entry cut off by a conflicting leader rolls the membership back (canonical/raft #250): here the old
     * leader appended a removal nobody else got, then lost leadership; the new leader's log replaces it.
     */
    @Test
    void truncatedConfigurationEntryRollsTheMembershipBack() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        net.proposeAndCommit("1", "a");
        net.isolate("1");
        assertInstanceOf(ProposeResult.Accepted.class,
                net.core("1").proposeMembershipChange(MembershipChange.remove("3")));
        net.handleReadies("1");
        assertEquals(Set.of("1", "2"), net.core("1").membership().voters(), "in force once appended");
        net.tickUntil(() -> !net.leaders("2", "3").isEmpty(), 4 * ScenarioNetwork.ELECTION_TICKS, "2", "3");
        String newLeader = net.leaders("2", "3").get(0);
        net.proposeAndCommit(newLeader, "b");
        net.heal("1");
        net.tickUntil(() -> newLeader.equals(net.status("1").leaderId()) && net.status("1").commitIndex()
                == net.status(newLeader).commitIndex(), 6 * ScenarioNetwork.ELECTION_TICKS, "1", "2", "3");
        assertEquals(Set.of("1", "2", "3"), net.core("1").membership().voters(), net::transcript);
    }

    /** Transfer: proposals pause, the target is caught up, told to campaign, and wins inside everyone's lease. */
    @Test
    void leadershipTransferCatchesUpTheTargetAndHandsOver() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        net.proposeAndCommit("1", "a");
        long term = net.status("1").term();
        // 3 misses an entry, so the leader must bring it up to date before TimeoutNow.
        net.dropIf(m -> m instanceof AppendEntries && m.to().equals("3"));
        net.proposeAndCommit("1", "b");
        net.clearDropRules();
        assertInstanceOf(ProposeResult.Accepted.class, net.core("1").transferLeadership("3"));
        assertInstanceOf(ProposeResult.Busy.class, net.core("1").propose(com.google.protobuf.ByteString.EMPTY));
        assertEquals(-1, net.core("1").leaseReadIndex(), "no lease reads while handing over");
        int mark = net.mark();
        net.stabilize();
        assertTrue(net.deliveredSince(mark).stream().anyMatch(m -> m instanceof TimeoutNow), net::transcript);
        assertEquals(Role.LEADER, net.status("3").role(), net::transcript);
        assertEquals(term + 1, net.status("3").term());
        assertEquals(net.status("1").lastIndex() , net.status("3").lastIndex());
    }

    /** A transfer to a member that cannot catch up is abandoned after an election timeout; the leader keeps going. */
    @Test
    void transferToAnUnreachableTargetIsAbandoned() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        net.isolate("3");
        net.proposeAndCommit("1", "a");
        assertInstanceOf(ProposeResult.Accepted.class, net.core("1").transferLeadership("3"));
        net.tickUntil(() -> net.core("1").transferTarget() == null, 2 * ScenarioNetwork.ELECTION_TICKS, "1", "2");
        assertEquals(Role.LEADER, net.status("1").role());
        assertInstanceOf(ProposeResult.Accepted.class, net.core("1").propose(com.google.protobuf.ByteString.EMPTY));
        assertInstanceOf(ProposeResult.Rejected.class, net.core("1").transferLeadership("9"));
    }

    /** The round a quorum answered only moves forward with answers; the lease read index needs an own-term commit. */
    @Test
    void quorumAckedRoundFollowsHeartbeatAnswers() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        net.stabilize();
        RaftCore leader = net.core("1");
        assertTrue(leader.leaseReadIndex() >= 1);
        long before = leader.quorumAckedRound();
        net.holdIf(m -> m instanceof HeartbeatResponse);
        for (int i = 0; i < ScenarioNetwork.ELECTION_TICKS / 2; i++) {
            net.tick("1");
            net.stabilize();
        }
        assertEquals(before, leader.quorumAckedRound(), "no answers, no progress");
        net.releaseAll();
        net.stabilize();
        assertTrue(leader.quorumAckedRound() > before, net::transcript);
        assertEquals(0, net.core("2").quorumAckedRound(), "followers hold no lease");
    }
}
