package io.kvstore.raft.core;

import static io.kvstore.raft.core.ScenarioNetwork.ELECTION_TICKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message.AppendEntries;
import io.kvstore.raft.core.Message.AppendEntriesResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The commit rule, log repair and flow control of replication. */
class ReplicationScenarioTest {

    /**
     * Raft §5.4.2 and Figure 8, steps (a) to (c), in a 5-member cluster (our terms 1, 2, 3 are the figure's 2, 3,
     * 4). Ends with leader 1 in term 3 knowing that index 2 (term 1) is on members 1, 2 and 3, a majority, and
     * 3 not having index 3 (term 3). Check-quorum is off because the elections are scripted; every AppendEntries
     * carries one entry so index 2 and index 3 can reach member 3 separately.
     */
    private static ScenarioNetwork figure8() {
        ScenarioNetwork net = ScenarioNetwork.of(5, ScenarioNetwork.Tuning.DEFAULT.withCheckQuorum(false)
                .withMaxMsgBytes(1));
        net.electLeader("1");
        assertEquals(1, net.status("1").term());

        // (a) 1 replicates index 2 to 2 only.
        for (String id : List.of("3", "4", "5")) {
            net.cut("1", id);
        }
        assertEquals(2, ((ProposeResult.Accepted) net.propose("1", "a")).index());
        net.stabilize();
        assertEquals(2, net.durableLog("2").size());

        // (b) 1 crashes; 5 wins term 2 with 3 and 4 and appends its no-op at 2, but crashes before sending it.
        net.isolate("1");
        net.campaign("5");
        assertTrue(net.stabilizeUntil(() -> net.status("5").role() == Role.LEADER), net::transcript);
        net.isolate("5");
        net.stabilize();
        assertEquals(2, net.durableLog("5").get(1).term());

        // (c) 1 restarts and wins term 3 with 2 and 3; it gets index 2 to 3 but its no-op (3) only to 2.
        net.restart("1");
        net.healAll();
        net.isolate("5");
        net.cut("1", "4");
        net.dropIf(m -> m instanceof AppendEntries ae && ae.to().equals("3") && ae.lastIndex() >= 3
                && net.status("3").lastIndex() >= 2);
        int mark = net.mark();
        net.electLeader("1");
        assertEquals(3, net.status("1").term(), net::transcript);

        List<Message> delivered = net.deliveredSince(mark);
        assertTrue(delivered.contains(new AppendEntriesResponse("3", "1", 3, true, 2, 0, 0)), net::transcript);
        assertTrue(delivered.contains(new AppendEntriesResponse("2", "1", 3, true, 3, 0, 0)), net::transcript);
        assertEquals(3, replicasOf(net, 2, 1), "index 2 of term 1 is on a majority");
        return net;
    }

    /** Figure 8 (c) to (e): the old-term entry on a majority waits until an entry of the current term commits. */
    @Test
    void entryFromAnOlderTermOnAMajorityIsCommittedOnlyWithAnEntryOfTheCurrentTerm() {
        ScenarioNetwork net = figure8();
        assertEquals(1, net.status("1").commitIndex(), "counting replicas must not commit an older term's entry");
        assertTrue(List.of("1", "2", "3", "4", "5").stream().allMatch(id -> net.applied(id).size() == 1));

        net.clearDropRules();
        net.tickUntil(() -> net.status("1").commitIndex() == 3, 2 * ELECTION_TICKS, "1");
        assertEquals(List.of(1L, 1L, 3L), net.applied("1").stream().map(Entry::term).toList(),
                "index 2 (term 1) committed together with the term-3 no-op");
    }

    /**
     * Figure 8 (d): why (c) must not commit index 2. If leader 1 fails, 5 (last entry in term 2) can win with 3
     * and 4 and overwrite index 2 on the majority that had it.
     */
    @Test
    void uncommittedEntryFromAnOlderTermOnAMajorityCanStillBeOverwritten() {
        ScenarioNetwork net = figure8();
        net.clearDropRules();
        net.restart("5");
        net.healAll();
        net.isolate("1");
        net.isolate("2");
        net.electLeader("5");
        net.stabilize();
        assertEquals(2, net.durableLog("3").get(1).term(), "5 replaced index 2 on member 3\n" + net.transcript());
        assertTrue(net.status("5").commitIndex() >= 3);
        for (String id : List.of("1", "2", "3", "4", "5")) {
            assertFalse(net.applied(id).stream().anyMatch(e -> e.index() == 2 && e.term() == 1),
                    "nobody applied the entry that was overwritten");
        }
    }

    private static long replicasOf(ScenarioNetwork net, long index, long term) {
        return List.of("1", "2", "3", "4", "5").stream()
                .filter(id -> net.durableLog(id).size() >= index && net.durableLog(id).get((int) index - 1).term() == term)
                .count();
    }

    /**
     * Raft §5.3 with the fast-backup optimization (dissertation §5.3, "the follower can include the term of the
     * conflicting entry"): a follower that was leader alone with 30 uncommitted term-1 entries is repaired by a
     * leader whose log has terms 2 and 3 there. Each rejection's hint skips a whole term, so the leader finds the
     * match point in at most one rejection per conflicting term, not one per entry.
     */
    @Test
    void divergentSuffixIsRepairedInOneRoundTripPerTermNotPerEntry() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        net.isolate("1");
        int stale = 30;
        for (int i = 0; i < stale; i++) {
            net.propose("1", "stale " + i);
        }
        net.stabilize();
        assertEquals(stale + 1, net.durableLog("1").size());

        net.tickUntil(() -> !net.leaders("2", "3").isEmpty(), 4 * ELECTION_TICKS);
        String first = net.leaders("2", "3").get(0);
        String second = first.equals("2") ? "3" : "2";
        for (int i = 0; i < 10; i++) {
            net.proposeAndCommit(first, "new " + i);
        }
        // The second leader's view of 1 starts at its own last index, far past the point where the logs match.
        net.heal("1");
        net.isolate(first);
        int mark = net.mark();
        net.tickUntil(() -> net.status(second).role() == Role.LEADER
                && net.durableLog("1").equals(net.durableLog(second)), 6 * ELECTION_TICKS);

        long rejections = net.deliveredSince(mark).stream()
                .filter(m -> m instanceof AppendEntriesResponse r && r.from().equals("1") && !r.success())
                .count();
        long conflictingTerms = net.durableLog(second).stream().skip(1).map(Entry::term).distinct().count();
        assertTrue(rejections >= 1, "the logs did conflict\n" + net.transcript());
        assertTrue(rejections <= conflictingTerms, rejections + " rejections for " + conflictingTerms
                + " conflicting terms\n" + net.transcript());
        assertTrue(rejections < stale);
    }

    /**
     * etcd-io/raft MaxInflightMsgs: a follower that stops answering costs the leader a bounded number of
     * AppendEntries, while proposals keep committing through the others; its answers reopen the pipeline at once.
     */
    @Test
    void silentFollowerGetsAtMostMaxInflightAppendsAndResumesWhenItAnswers() {
        int inflightMax = 3;
        ScenarioNetwork net = ScenarioNetwork.of(3, ScenarioNetwork.Tuning.DEFAULT.withMaxInflightMsgs(inflightMax));
        net.electLeader("1");
        net.hold("3", "1");
        int mark = net.mark();
        for (int i = 0; i < 10; i++) {
            long index = net.proposeAndCommit("1", "w" + i);
            assertEquals(index, net.status("1").commitIndex(), "proposals keep committing through 2");
        }
        assertEquals(inflightMax, appendsWithEntries(net, mark, "3"), net::transcript);
        assertTrue(net.status("3").lastIndex() < net.status("1").lastIndex());

        int released = net.mark();
        net.releaseAll();
        net.stabilize();
        assertTrue(appendsWithEntries(net, released, "3") > 0);
        assertEquals(net.durableLog("1"), net.durableLog("3"), "caught up without a tick\n" + net.transcript());
    }

    /**
     * Message economy in steady state: per proposal each follower gets one AppendEntries with the entry and one
     * that carries the new commit index (as etcd-io/raft does), and answers each. An acknowledgement that leaves
     * nothing new to send must not trigger another (empty) AppendEntries: that doubled replication traffic.
     */
    @Test
    void eachProposalCostsEachFollowerOneAppendForTheEntryAndOneForTheCommit() {
        ScenarioNetwork net = ScenarioNetwork.of(3);
        net.electLeader("1");
        for (int i = 0; i < 5; i++) {
            int mark = net.mark();
            long index = net.proposeAndCommit("1", "w" + i);
            for (String follower : List.of("2", "3")) {
                List<String> appends = net.deliveredSince(mark).stream()
                        .filter(m -> m instanceof AppendEntries && m.to().equals(follower))
                        .map(ScenarioNetwork::describe).toList();
                assertEquals(2, appends.size(), String.join("\n", appends));
                assertEquals(index, net.status(follower).commitIndex());
            }
        }
    }

    private static long appendsWithEntries(ScenarioNetwork net, int mark, String to) {
        return net.deliveredSince(mark).stream()
                .filter(m -> m instanceof AppendEntries ae && ae.to().equals(to) && !ae.entries().isEmpty())
                .count();
    }

    /** etcd-io/raft MaxUncommittedEntriesSize: a leader that cannot commit refuses proposals past the bound. */
    @Test
    void proposalsBeyondMaxUncommittedBytesAreRefusedAsBusyUntilTheQuorumCatchesUp() {
        long limit = 200;
        ScenarioNetwork net = ScenarioNetwork.of(3, ScenarioNetwork.Tuning.DEFAULT.withMaxUncommittedBytes(limit));
        net.electLeader("1");
        net.isolate("1");
        String command = "x".repeat(40);
        long entryBytes = command.length() + 24;
        long acceptedBytes = 0;
        ProposeResult result = null;
        for (int i = 0; i < 100; i++) {
            result = net.propose("1", command);
            if (!(result instanceof ProposeResult.Accepted)) {
                break;
            }
            acceptedBytes += entryBytes;
        }
        assertInstanceOf(ProposeResult.Busy.class, result);
        assertTrue(acceptedBytes > limit && acceptedBytes - entryBytes <= limit,
                "refused once the uncommitted bytes passed the limit, not before: " + acceptedBytes);
        net.stabilize();

        net.healAll();
        long last = net.status("1").lastIndex();
        net.tickUntil(() -> net.status("1").commitIndex() == last, 2 * ELECTION_TICKS, "1");
        assertInstanceOf(ProposeResult.Accepted.class, net.propose("1", command));
    }
}
