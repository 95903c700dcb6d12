package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import org.junit.jupiter.api.Test;

/**
 * Watch histories by hand: writes w1..w4 of values 1..4 to keys a and b at revisions 1..4 (values 1, 3 on a;
 * 2, 4 on b), then watchers' deliveries. Each anomaly the checker names is put in on purpose.
 */
class WatchCheckerTest {
    private final long[] clock = {0};
    private final HistoryRecorder rec = new HistoryRecorder(() -> clock[0]++);
    private final WatchChecker checker = new WatchChecker();

    private void writes() {
        write(0, "a", 1, true);
        write(0, "b", 2, true);
        write(0, "a", 3, true);
        write(0, "b", 4, true);
    }

    private void write(int p, String key, long v, boolean ok) {
        rec.invoke(p, Fn.WRITE, key, v);
        if (ok) {
            rec.ok(p);
        } else {
            rec.fail(p, "VERSION_MISMATCH");
        }
    }

    /** One watch operation of watcher p delivering (revision, value) pairs. */
    private void watch(int p, long next, long... pairs) {
        rec.invoke(p, Fn.WATCH, "w", next);
        rec.ok(p, pairs);
    }

    private void committed(long... pairs) {
        rec.invoke(50, Fn.FINAL_READ, "a");
        rec.ok(50, 3, 3);
        rec.invoke(50, Fn.FINAL_READ, "b");
        rec.ok(50, 4, 4);
        rec.invoke(51, Fn.READ_HISTORY, "w", 1);
        rec.ok(51, pairs);
    }

    @Test
    void completeInOrderDeliveriesAreTrue() {
        writes();
        watch(100, 1, 1, 1, 2, 2);
        watch(101, 1, 1, 1);
        watch(100, 3, 3, 3, 4, 4);
        watch(101, 2, 2, 2, 3, 3, 4, 4);
        committed(1, 1, 2, 2, 3, 3, 4, 4);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.TRUE, o.valid(), o.explanation());
        assertTrue(o.details().contains("2 watchers delivered 8 events"), o.details());
    }

    @Test
    void aGapIsFalse() {
        writes();
        watch(100, 1, 1, 1, 2, 2);
        watch(100, 3, 4, 4); // revision 3 never delivered
        committed(1, 1, 2, 2, 3, 3, 4, 4);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("missed revision 3"), o.explanation());
        assertNotNull(o.counterexample());
    }

    @Test
    void aDuplicateIsFalse() {
        writes();
        watch(100, 1, 1, 1, 2, 2);
        watch(100, 3, 2, 2, 3, 3, 4, 4); // revision 2 again after a reconnect
        committed(1, 1, 2, 2, 3, 3, 4, 4);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("revision 2 twice"), o.explanation());
    }

    @Test
    void goingBackInRevisionIsFalse() {
        writes();
        watch(100, 1, 1, 1, 2, 2, 3, 3);
        watch(100, 4, 1, 1, 4, 4); // resumed from the start, as a reconnect from a stale member might
        committed(1, 1, 2, 2, 3, 3, 4, 4);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("went back in revision"), o.explanation());
    }

    @Test
    void aValueTheCommittedHistoryDoesNotHaveIsFalse() {
        writes();
        write(1, "a", 5, false); // failed: never applied
        watch(100, 1, 1, 1, 2, 2, 3, 5, 4, 4);
        committed(1, 1, 2, 2, 3, 3, 4, 4);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("value 5 at revision 3"), o.explanation());
    }

    @Test
    void aWatcherThatNeverCatchesUpIsFalseUnlessTheStoreEndedIt() {
        writes();
        watch(100, 1, 1, 1, 2, 2);
        committed(1, 1, 2, 2, 3, 3, 4, 4);
        Outcome stuck = checker.check(rec.history());
        assertEquals(Validity.FALSE, stuck.valid());
        assertTrue(stuck.explanation().contains("never delivered revision 3"), stuck.explanation());

        rec.invoke(100, Fn.WATCH, "w", 3);
        rec.fail(100, "compacted: history starts at 3");
        Outcome ended = checker.check(rec.history());
        assertEquals(Validity.TRUE, ended.valid(), ended.explanation());
    }

    @Test
    void aLostAcknowledgedWriteIsFalse() {
        writes();
        watch(100, 1, 1, 1, 2, 2, 3, 3);
        rec.invoke(50, Fn.FINAL_READ, "a");
        rec.ok(50, 3, 3);
        rec.invoke(51, Fn.READ_HISTORY, "w", 1);
        rec.ok(51, 1, 1, 2, 2, 3, 3); // write of 4 was acknowledged
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("lost write"), o.explanation());
    }

    @Test
    void aFinalReadThatDisagreesWithTheCommittedHistoryIsFalse() {
        writes();
        rec.invoke(50, Fn.FINAL_READ, "a");
        rec.ok(50, 1, 1); // the history says a's last change is 3 at revision 3
        rec.invoke(51, Fn.READ_HISTORY, "w", 1);
        rec.ok(51, 1, 1, 2, 2, 3, 3, 4, 4);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("final read of a"), o.explanation());
    }

    @Test
    void noCommittedHistoryIsUnknown() {
        writes();
        watch(100, 1, 1, 1);
        assertEquals(Validity.UNKNOWN, checker.check(rec.history()).valid());
    }
}
