package io.kvstore.raft;

import io.kvstore.raft.core.RaftCore;

/**
 * The real-time side of lease reads (docs/raft.md, "Lease reads"): remembers, with the monotonic clock, when the
 * leader sent each heartbeat round, and grants a lease read while the round a quorum last answered is younger than
 * the lease. Every voter that answered round R received it after R was sent, and ignores vote requests for an
 * election timeout of its own ticks after that; so no other leader can exist before
 * {@code sent(R) + leaseNanos}, with
 * {@code leaseNanos = (electionTicks - 1.5) × tick × (1 - clockDriftMax)}: one and a half ticks less than the
 * timeout, because the runtime may fire a tick early after a stall and the first tick after a message may come at
 * once. Confined to the raft loop thread.
 */
final class LeaseClock {
    /** Rounds remembered: far more than are ever in flight at once (one per heartbeat interval or read batch). */
    private static final int ROUNDS = 1024;

    private final long leaseNanos;
    private final long[] rounds = new long[ROUNDS];
    private final long[] sentAtNanos = new long[ROUNDS];

    LeaseClock(int electionTicks, long tickNanos, double clockDriftMax) {
        this.leaseNanos = (long) ((electionTicks - 1.5) * tickNanos * (1 - clockDriftMax));
    }

    long leaseNanos() {
        return leaseNanos;
    }

    /** A heartbeat of {@code round} is being sent now; only the first send of a round counts. */
    void roundSent(long round, long nowNanos) {
        int slot = (int) (round % ROUNDS);
        if (rounds[slot] != round) {
            rounds[slot] = round;
            sentAtNanos[slot] = nowNanos;
        }
    }

    /** The index a lease read may be served at now on {@code core}, or -1 when the lease does not hold. */
    long readIndex(RaftCore core, long nowNanos) {
        return readIndex(core.leaseReadIndex(), core.quorumAckedRound(), nowNanos);
    }

    /**
     * @param index the core's {@link RaftCore#leaseReadIndex()}
     * @param round the core's {@link RaftCore#quorumAckedRound()}
     */
    long readIndex(long index, long round, long nowNanos) {
        if (index < 0) {
            return -1;
        }
        int slot = (int) (round % ROUNDS);
        if (round <= 0 || rounds[slot] != round) {
            return -1;
        }
        return nowNanos - sentAtNanos[slot] < leaseNanos ? index : -1;
    }
}
