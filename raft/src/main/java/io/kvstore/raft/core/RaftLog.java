package io.kvstore.raft.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The in-memory image of a member's log, with the marks the core needs: what is durable locally
 * ({@link #persistedIndex}), what has been handed out for persistence, what is committed and what is applied.
 * Index 0 is a sentinel with term 0. Compaction (snapshots) will move the first index; until then the log starts
 * at index 1.
 */
final class RaftLog {
    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Last index durable on this member's disk. */
    long persistedIndex;
    /** Highest index known committed. */
    long committed;
    /** Last index handed to the state machine. */
    long applied;

    RaftLog(List<Entry> durable, long committed, long applied) {
        for (Entry e : durable) {
            Invariants.check(e.index() == entries.size() + 1L, "recovered log not consecutive at %d", e.index());
            entries.add(e);
        }
        this.persistedIndex = lastIndex();
        this.applied = applied;
        this.committed = Math.max(committed, applied);
        if (this.committed > lastIndex()) {
            throw new IllegalStateException("the state machine or hard state says index " + this.committed
                    + " is committed but the durable log ends at " + lastIndex() + ": the log lost entries");
        }
    }

    long lastIndex() {
        return entries.size();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** Term of the entry at {@code index}, 0 for index 0, -1 when the log does not reach it. */
    long term(long index) {
        if (index == 0) {
            return 0;
        }
        if (index < 0 || index > lastIndex()) {
            return -1;
        }
        return entries.get((int) (index - 1)).term();
    }

    Entry entry(long index) {
        return entries.get((int) (index - 1));
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
        entries.add(entry);
    }

    /**
     * Applies a leader's entries that follow a matching (prevIndex, prevTerm): skips entries we already have, cuts
     * our log at the first conflict and appends the rest (Raft §5.3). Returns the index of the last new entry.
     */
    long appendFromLeader(long prevIndex, List<Entry> incoming) {
        for (Entry e : incoming) {
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
        entries.subList((int) (index - 1), entries.size()).clear();
        persistedIndex = Math.min(persistedIndex, index - 1);
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}: where a log that has
     * {@code term} at {@code index} may match ours. Lets the leader skip a whole conflicting term per round trip.
     */
    long lastIndexWithTermAtMost(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i > 0 && term(i) > term) {
            i--;
        }
        return i;
    }

    /** Entries in [from, lastIndex], at most about {@code bytesMax} bytes but at least one entry if any. */
    List<Entry> slice(long from, long bytesMax) {
        if (from > lastIndex()) {
            return List.of();
        }
        int start = (int) (from - 1);
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
        return List.copyOf(entries.subList((int) after, (int) through));
    }

    void commitTo(long index) {
        if (index > committed) {
            Invariants.check(index <= lastIndex(), "commit %d beyond last index %d", index, lastIndex());
            committed = index;
        }
    }
}
