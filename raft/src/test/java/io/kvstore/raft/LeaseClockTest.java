package io.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeaseClockTest {
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);

    @Test
    void leaseIsShorterThanTheElectionTimeoutByTickSlackAndDrift() {
        LeaseClock clock = new LeaseClock(20, TICK, 0.05);
        // (20 - 1.5) ticks of 10 ms, less 5 %: 175.75 ms.
        assertEquals(175_750_000L, clock.leaseNanos());
    }

    @Test
    void aReadIsGrantedOnlyWhileTheQuorumAnsweredRoundIsYoungerThanTheLease() {
        LeaseClock clock = new LeaseClock(20, TICK, 0.05);
        long t0 = 1_000_000_000L;
        clock.roundSent(7, t0);
        clock.roundSent(7, t0 + 5 * TICK); // later copies of the same round do not extend the lease
        assertEquals(42, clock.readIndex(42, 7, t0 + clock.leaseNanos() - 1));
        assertEquals(-1, clock.readIndex(42, 7, t0 + clock.leaseNanos()));
    }

    @Test
    void noLeaseWithoutAQuorumAnsweredRoundOrALeaseIndex() {
        LeaseClock clock = new LeaseClock(20, TICK, 0.05);
        clock.roundSent(3, 0);
        assertEquals(-1, clock.readIndex(42, 0, 1), "no round answered by a quorum yet");
        assertEquals(-1, clock.readIndex(42, 4, 1), "a round we never sent (or forgot)");
        assertEquals(-1, clock.readIndex(-1, 3, 1), "the core refuses (no own-term commit, or a transfer)");
        clock.roundSent(3 + 1024, 10);
        assertEquals(-1, clock.readIndex(42, 3, 11), "round 3 was overwritten in the ring");
    }
}
