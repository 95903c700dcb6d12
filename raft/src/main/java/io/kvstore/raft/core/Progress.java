package io.kvstore.raft.core;

/**
 * The leader's view of one follower's log (etcd calls the same idea "progress"). In PROBE the leader sends one
 * AppendEntries at a time until it finds where the logs match; in REPLICATE it streams entries optimistically,
 * bounded by {@link Inflights}; in SNAPSHOT the follower needs entries the leader compacted away, and the leader
 * waits while the runtimes transfer a snapshot.
 */
final class Progress {
    enum State { PROBE, REPLICATE, SNAPSHOT }

    long match;
    long next;
    State state = State.PROBE;
    /** PROBE only: a probe is outstanding; wait for its answer or a heartbeat response. */
    boolean probeSent;
    /** Heard from in the current check-quorum window. */
    boolean recentActive;
    /** Highest heartbeat round this follower has answered: confirms read indexes up to that round. */
    long ackedRound;
    /** SNAPSHOT only: the index of the snapshot being installed, and ticks spent waiting for it. */
    long pendingSnapshot;
    int snapshotTicks;
    final Inflights inflights;

    Progress(long next, int inflightMsgsMax, long inflightBytesMax) {
        this.next = next;
        this.inflights = new Inflights(inflightMsgsMax, inflightBytesMax);
    }

    boolean paused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    /** Records an acknowledgement of {@code index}; returns whether the match index moved. */
    boolean acknowledge(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            probeSent = false;
            updated = true;
        }
        next = Math.max(next, index + 1);
        inflights.freeUpTo(index);
        return updated;
    }

    /**
     * Handles a rejection of the AppendEntries whose previous index was {@code rejected}. {@code matchHint} is the
     * highest index that may match. Returns false for a stale rejection (one that answers an older message).
     */
    boolean rejected(long rejected, long matchHint) {
        if (state == State.SNAPSHOT) {
            return false; // answers to appends sent before the snapshot; the snapshot's answer moves us on
        }
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            becomeProbe();
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        probeSent = false;
        return true;
    }

    void becomeProbe() {
        state = State.PROBE;
        next = match + 1;
        probeSent = false;
        inflights.reset();
    }

    void becomeSnapshot(long index) {
        state = State.SNAPSHOT;
        pendingSnapshot = index;
        snapshotTicks = 0;
        inflights.reset();
    }

    void becomeReplicate() {
        state = State.REPLICATE;
        next = match + 1;
        inflights.reset();
    }
}
