package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** LockChecker on hand-written histories: each violation it must catch, and a valid run. */
class LockCheckerTest {
    private static final Fn ACQUIRE = new Fn("acquire");
    private static final Fn FENCED_WRITE = new Fn("fenced_write");
    private static final Fn STALE_WRITE = new Fn("stale_write");

    private final AtomicLong clock = new AtomicLong();
    private final HistoryRecorder h = new HistoryRecorder(clock::incrementAndGet);

    @Test
    void aValidRunIsTrue() {
        grant(0, 10);
        write(0, 10, 11);
        stale(0, 10, false);
        grant(1, 12);
        write(1, 12, 13);
        LockChecker.Result r = new LockChecker().check(h.history());
        assertEquals(Validity.TRUE, r.valid(), r.explanation());
        assertEquals(2, r.grants());
        assertEquals(1, r.staleRejected());
    }

    @Test
    void anAcceptedStaleWriteIsFalse() {
        grant(0, 10);
        stale(0, 10, true);
        LockChecker.Result r = new LockChecker().check(h.history());
        assertEquals(Validity.FALSE, r.valid());
        assertTrue(r.explanation().contains("released token 10"), r.explanation());
    }

    @Test
    void anOlderTokenWritingAfterANewerOneIsFalse() {
        grant(0, 10);
        grant(1, 12);
        write(1, 12, 13);
        write(0, 10, 14);
        LockChecker.Result r = new LockChecker().check(h.history());
        assertEquals(Validity.FALSE, r.valid());
        assertTrue(r.explanation().contains("token 10 wrote at revision 14"), r.explanation());
    }

    @Test
    void aTokenGrantedTwiceIsFalseAndNothingIsUnknown() {
        grant(0, 10);
        grant(1, 10);
        assertEquals(Validity.FALSE, new LockChecker().check(h.history()).valid());
        assertEquals(Validity.UNKNOWN, new LockChecker().check(new HistoryRecorder(clock::incrementAndGet)
                .history()).valid());
    }

    private void grant(int process, long token) {
        h.invoke(process, ACQUIRE, "l");
        h.ok(process, token);
    }

    private void write(int process, long token, long revision) {
        h.invoke(process, FENCED_WRITE, "l", token);
        h.ok(process, token, revision);
    }

    private void stale(int process, long token, boolean accepted) {
        h.invoke(process, STALE_WRITE, "l", token);
        if (accepted) {
            h.ok(process, token);
        } else {
            h.fail(process, "FENCED");
        }
    }
}
