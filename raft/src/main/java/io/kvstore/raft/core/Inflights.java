package io.kvstore.raft.core;

/**
 * The AppendEntries messages sent to one follower and not yet acknowledged, as a ring of (last index, bytes).
 * Full when either bound is reached; the leader then waits, so a slow follower costs bounded memory.
 */
final class Inflights {
    private final long[] lastIndexes;
    private final long[] sizes;
    private final long bytesMax;
    private int start;
    private int count;
    private long bytes;

    Inflights(int countMax, long bytesMax) {
        this.lastIndexes = new long[countMax];
        this.sizes = new long[countMax];
        this.bytesMax = bytesMax;
    }

    boolean full() {
        return count == lastIndexes.length || bytes >= bytesMax;
    }

    int count() {
        return count;
    }

    void add(long lastIndex, long size) {
        Invariants.check(count < lastIndexes.length, "inflights overflow");
        int slot = (start + count) % lastIndexes.length;
        lastIndexes[slot] = lastIndex;
        sizes[slot] = size;
        count++;
        bytes += size;
    }

    /** Frees every message whose last index is at or below {@code index}: the follower has it. */
    void freeUpTo(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            bytes -= sizes[start];
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    void freeFirst() {
        if (count > 0) {
            freeUpTo(lastIndexes[start]);
        }
    }

    void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
