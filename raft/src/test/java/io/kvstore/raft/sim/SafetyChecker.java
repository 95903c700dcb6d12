package io.kvstore.raft.sim;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.RaftCore;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.core.Role;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Raft's safety properties (Raft paper Figure 3, dissertation §4), checked by the simulation after every event:
 * <ul>
 *   <li>election safety: at most one leader per term, over the whole run;</li>
 *   <li>log matching: an entry with a given index and term always has the same payload and the same predecessor
 *       term, on every member (by induction, logs agreeing on an entry agree on everything before it);</li>
 *   <li>leader completeness: a new leader's log holds every entry any member ever saw committed (or a snapshot
 *       covering it);</li>
 *   <li>state machine safety: every member commits and applies the same entry at each index, also through
 *       snapshots it installed;</li>
 *   <li>membership: consecutive committed configurations differ by at most one voter, so their majorities always
 *       overlap (no two disjoint majorities);</li>
 *   <li>durability of acknowledgements: an entry acknowledged to a client is the committed entry at its index,
 *       and in the end every member has applied it;</li>
 *   <li>read index: a confirmed read index covers every write acknowledged before the read was requested.</li>
 * </ul>
 */
final class SafetyChecker {
    private record Fingerprint(long term, ByteString data, long prevTerm) {}

    private record Committed(long term, ByteString data) {}

    private final Supplier<String> describe;
    private final Map<Long, String> leaderByTerm = new HashMap<>();
    private final Map<Long, Map<Long, Fingerprint>> fingerprints = new HashMap<>();
    private final Map<Long, Committed> committed = new HashMap<>();
    private final TreeMap<Long, Membership> committedConfigs = new TreeMap<>();
    private final Map<String, Long> checkedCommit = new HashMap<>();
    private final Map<String, Long> leaderCheckedTerm = new HashMap<>();

    SafetyChecker(Supplier<String> describe, Membership initial) {
        this.describe = describe;
        committedConfigs.put(0L, initial);
    }

    private void fail(String property, String detail) {
        throw new AssertionError("SAFETY VIOLATION (" + property + "): " + detail + "\n" + describe.get());
    }

    void onRestart(String id, RaftCore core) {
        checkedCommit.put(id, 0L);
    }

    /** Log matching, checked on what a member made durable. */
    void onPersisted(String id, RaftCore core, List<Entry> entries) {
        for (Entry e : entries) {
            long prevTerm = core.logTerm(e.index() - 1);
            Fingerprint fp = new Fingerprint(e.term(), e.data(), prevTerm);
            Fingerprint known = fingerprints.computeIfAbsent(e.index(), k -> new HashMap<>())
                    .putIfAbsent(e.term(), fp);
            if (known != null && !known.equals(fp)) {
                fail("log matching", "member " + id + " has entry " + e.index() + "@" + e.term() + " as " + fp
                        + " but another member has " + known);
            }
        }
    }

    void checkMember(String id, RaftCore core) {
        RaftStatus s = core.status();
        if (s.role() == Role.LEADER) {
            String previous = leaderByTerm.putIfAbsent(s.term(), id);
            if (previous != null && !previous.equals(id)) {
                fail("election safety", "members " + previous + " and " + id + " both led term " + s.term());
            }
            Long checkedTerm = leaderCheckedTerm.get(id);
            if (checkedTerm == null || checkedTerm != s.term()) {
                leaderCheckedTerm.put(id, s.term());
                checkLeaderCompleteness(id, core, s);
            }
        }
        long snapshotIndex = core.snapshot().index();
        long from = Math.max(checkedCommit.getOrDefault(id, 0L), snapshotIndex);
        for (long i = from + 1; i <= s.commitIndex(); i++) {
            recordCommitted(id, i, core.entry(i));
        }
        if (s.commitIndex() > from) {
            checkedCommit.put(id, s.commitIndex());
        }
    }

    private void checkLeaderCompleteness(String id, RaftCore core, RaftStatus s) {
        long snapshotIndex = core.snapshot().index();
        for (Map.Entry<Long, Committed> c : committed.entrySet()) {
            long index = c.getKey();
            if (index < snapshotIndex) {
                continue; // covered by the snapshot, checked when it was restored or taken
            }
            boolean present = index == snapshotIndex
                    ? core.snapshot().term() == c.getValue().term()
                    : index <= s.lastIndex() && core.entry(index).term() == c.getValue().term()
                            && core.entry(index).data().equals(c.getValue().data());
            if (!present) {
                fail("leader completeness", "leader " + id + " of term " + s.term()
                        + " lacks committed entry " + index + "@" + c.getValue().term());
            }
        }
    }

    private void recordCommitted(String id, long index, Entry e) {
        Committed c = new Committed(e.term(), e.data());
        Committed known = committed.putIfAbsent(index, c);
        if (known != null && !known.equals(c)) {
            fail("state machine safety", "member " + id + " committed " + index + "@" + e.term()
                    + " but " + index + "@" + known.term() + " was committed before");
        }
        if (known == null && e.type() == Entry.Type.CONFIG) {
            recordCommittedConfig(index, Membership.decode(e.data()));
        }
    }

    private void recordCommittedConfig(long index, Membership m) {
        committedConfigs.put(index, m);
        Map.Entry<Long, Membership> before = committedConfigs.lowerEntry(index);
        Map.Entry<Long, Membership> after = committedConfigs.higherEntry(index);
        if (before != null) {
            checkOneVoterApart(before.getValue(), m, before.getKey(), index);
        }
        if (after != null) {
            checkOneVoterApart(m, after.getValue(), index, after.getKey());
        }
    }

    private void checkOneVoterApart(Membership a, Membership b, long ia, long ib) {
        Set<String> diff = new HashSet<>(a.voters());
        diff.addAll(b.voters());
        Set<String> both = new HashSet<>(a.voters());
        both.retainAll(b.voters());
        diff.removeAll(both);
        if (diff.size() > 1) {
            fail("membership", "committed configurations at " + ia + " (" + a + ") and " + ib + " (" + b
                    + ") differ by " + diff + ": their majorities could be disjoint");
        }
    }

    void onApplied(String id, Entry e) {
        recordCommitted(id, e.index(), e);
    }

    /** A member replaced its state machine with a snapshot: every entry in it must be the committed one. */
    void onSnapshotRestored(String id, List<Entry> applied) {
        for (Entry e : applied) {
            recordCommitted(id, e.index(), e);
        }
    }

    void onAcknowledged(long index, long term, ByteString data) {
        Committed c = committed.get(index);
        if (c == null || c.term() != term || !c.data().equals(data)) {
            fail("acknowledged write", "entry " + index + "@" + term + " acknowledged but committed is " + c);
        }
    }

    void checkReadIndex(String id, long readIndex, long requiredIndex) {
        if (readIndex < requiredIndex) {
            fail("linearizable read", "member " + id + " confirmed read index " + readIndex
                    + " below acknowledged write " + requiredIndex);
        }
    }

    /** Liveness end state: every given member applied every committed entry, identically. */
    void checkAcknowledgedApplied(List<?> acked, Map<String, List<Entry>> applied) {
        for (Map.Entry<String, List<Entry>> m : applied.entrySet()) {
            List<Entry> log = m.getValue();
            for (Map.Entry<Long, Committed> c : committed.entrySet()) {
                long index = c.getKey();
                if (index > log.size()) {
                    fail("acknowledged write", "member " + m.getKey() + " never applied committed index " + index
                            + " (" + acked.size() + " writes acknowledged)");
                }
                Entry e = log.get((int) (index - 1));
                if (e.term() != c.getValue().term() || !e.data().equals(c.getValue().data())) {
                    fail("state machine safety", "member " + m.getKey() + " applied " + e + " at " + index);
                }
            }
        }
    }
}
