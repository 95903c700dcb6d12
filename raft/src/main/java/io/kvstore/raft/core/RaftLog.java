package io.kvstore.raft.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The in-memory image of a member's log, with the marks the core needs: what is durable locally
 * ({@link #persistedIndex}), what is committed and what is applied. Entries up to {@link #snapshot()}'s index are
 * compacted away; the snapshot's index and term stand in for the last of them. Index 0 is a sentinel with term 0.
 *
 * <p>The membership in force is the one of the last CONFIG entry in the log, committed or not (dissertation §4.1),
 * else the snapshot's. Cutting a CONFIG entry off (a follower replacing a conflicting suffix) rolls the membership
 * back to the previous one: several Raft libraries shipped that bug (canonical/raft #250).
 */
final class RaftLog {
    /** entries.get(i) has index snapshot.index() + 1 + i. */
    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Indexes of the CONFIG entries in {@link #entries}, ascending. */
    private final ArrayList<Long> configIndexes = new ArrayList<>();
    private SnapshotMeta snapshot;
    /** Bumped whenever the set of CONFIG entries changes, so the core re-reads the membership only then. */
    private long configChanges;
    /** Last index durable on this member's disk. */
    long persistedIndex;
    /** Highest index known committed. */
    long committed;
    /** Last index handed to the state machine. */
    long applied;

    RaftLog(SnapshotMeta snapshot, List<Entry> durable, long committed, long applied) {
        this.snapshot = snapshot;
        for (Entry e : durable) {
            Invariants.check(e.index() == lastIndex() + 1, "recovered log not consecutive at %d", e.index());
            add(e);
        }
        this.persistedIndex = lastIndex();
        this.applied = Math.max(applied, snapshot.index());
        this.committed = Math.max(Math.max(committed, this.applied), snapshot.index());
        if (this.committed > lastIndex()) {
            throw new IllegalStateException("the state machine or hard state says index " + this.committed
                    + " is committed but the durable log ends at " + lastIndex() + ": the log lost entries");
        }
    }

    SnapshotMeta snapshot() {
        return snapshot;
    }

    long firstIndex() {
        return snapshot.index() + 1;
    }

    long lastIndex() {
        return snapshot.index() + entries.size();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * Term of the entry at {@code index}: 0 for index 0, the snapshot's term at its index, -1 when the log does not
     * reach it or it was compacted away.
     */
    long term(long index) {
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        if (index < snapshot.index() || index > lastIndex()) {
            return -1;
        }
        return entries.get(offset(index)).term();
    }

    private int offset(long index) {
        return (int) (index - snapshot.index() - 1);
    }

    /** The entry at {@code index}; it must be in the log (not compacted). */
    Entry entry(long index) {
        Invariants.check(index > snapshot.index() && index <= lastIndex(), "entry %d outside log (%d, %d]",
                index, snapshot.index(), lastIndex());
        return entries.get(offset(index));
    }

    boolean matchTerm(long index, long term) {
        return term(index) == term;
    }

    /** Whether a candidate whose log ends at (index, term) is at least as up to date as ours (Raft §5.4.1). */
    boolean isUpToDate(long index, long term) {
        return term > lastTerm() || (term == lastTerm() && index >= lastIndex());
    }

    void appendNew(Entry entry) {
        Invariants.check(entry.index() == lastIndex() + 1, "append at %d to log ending at %d",
                entry.index(), lastIndex());
        add(entry);
    }

    private void add(Entry entry) {
        entries.add(entry);
        if (entry.type() == Entry.Type.CONFIG) {
            configIndexes.add(entry.index());
            configChanges++;
        }
    }

    /**
     * Applies a leader's entries that follow a matching (prevIndex, prevTerm): skips entries we already have, cuts
     * our log at the first conflict and appends the rest (Raft §5.3). Returns the index of the last new entry.
     */
    long appendFromLeader(long prevIndex, List<Entry> incoming) {
        for (Entry e : incoming) {
            if (e.index() <= snapshot.index()) {
                continue; // compacted here, so committed, so it matches (leader completeness)
            }
            long existing = term(e.index());
            if (existing == e.term()) {
                continue;
            }
            if (existing != -1) {
                Invariants.check(e.index() > committed, "leader conflicts with committed entry %d (committed %d)",
                        e.index(), committed);
                truncateFrom(e.index());
            }
            appendNew(e);
        }
        return prevIndex + incoming.size();
    }

    private void truncateFrom(long index) {
        entries.subList(offset(index), entries.size()).clear();
        while (!configIndexes.isEmpty() && configIndexes.get(configIndexes.size() - 1) >= index) {
            configIndexes.remove(configIndexes.size() - 1);
            configChanges++;
        }
        persistedIndex = Math.min(persistedIndex, index - 1);
    }

    long configChanges() {
        return configChanges;
    }

    /** The membership in force: the last CONFIG entry's, else the snapshot's. */
    Membership membership() {
        if (configIndexes.isEmpty()) {
            return snapshot.membership();
        }
        return Membership.decode(entry(configIndexes.get(configIndexes.size() - 1)).data());
    }

    /** Index of the last CONFIG entry, or the snapshot index when none is in the log. */
    long lastConfigIndex() {
        return configIndexes.isEmpty() ? snapshot.index() : configIndexes.get(configIndexes.size() - 1);
    }

    /** The membership in force at {@code index} (which must be at or after the snapshot). */
    Membership membershipAt(long index) {
        for (int i = configIndexes.size() - 1; i >= 0; i--) {
            if (configIndexes.get(i) <= index) {
                return Membership.decode(entry(configIndexes.get(i)).data());
            }
        }
        return snapshot.membership();
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}: where a log that has
     * {@code term} at {@code index} may match ours. Lets the leader skip a whole conflicting term per round trip.
     * Stops at the snapshot index, below which terms are unknown.
     */
    long lastIndexWithTermAtMost(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i > snapshot.index() && term(i) > term) {
            i--;
        }
        return Math.max(i, snapshot.index());
    }

    /** Entries in [from, lastIndex], at most about {@code bytesMax} bytes but at least one entry if any. */
    List<Entry> slice(long from, long bytesMax) {
        if (from > lastIndex()) {
            return List.of();
        }
        Invariants.check(from > snapshot.index(), "slice from compacted index %d", from);
        int start = offset(from);
        int end = start;
        long bytes = 0;
        while (end < entries.size()) {
            bytes += entries.get(end).sizeBytes();
            if (end > start && bytes > bytesMax) {
                break;
            }
            end++;
        }
        return Collections.unmodifiableList(new ArrayList<>(entries.subList(start, end)));
    }

    /** Entries in (after, through], for persistence or application. */
    List<Entry> between(long after, long through) {
        if (through <= after) {
            return List.of();
        }
        return List.copyOf(entries.subList(offset(after + 1), offset(through) + 1));
    }

    void commitTo(long index) {
        if (index > committed) {
            Invariants.check(index <= lastIndex(), "commit %d beyond last index %d", index, lastIndex());
            committed = index;
        }
    }

    /**
     * Drops entries up to {@code index}, which the state machine has captured in a snapshot; entries after it stay.
     */
    SnapshotMeta compact(long index) {
        Invariants.check(index <= applied, "compact at %d beyond applied %d", index, applied);
        if (index <= snapshot.index()) {
            return snapshot;
        }
        SnapshotMeta meta = new SnapshotMeta(index, term(index), membershipAt(index));
        int drop = offset(index) + 1;
        entries.subList(0, drop).clear();
        configIndexes.removeIf(i -> i <= index);
        snapshot = meta;
        configChanges++;
        return meta;
    }

    /** Replaces the whole log with a leader's snapshot (its entries are not in our log, or conflict). */
    void restore(SnapshotMeta meta) {
        entries.clear();
        configIndexes.clear();
        snapshot = meta;
        configChanges++;
        committed = meta.index();
        applied = meta.index();
        persistedIndex = meta.index();
    }
}
