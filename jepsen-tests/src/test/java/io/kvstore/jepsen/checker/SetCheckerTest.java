package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SetCheckerTest {
    private final long[] clock = {0};
    private final HistoryRecorder rec = new HistoryRecorder(() -> clock[0]++);
    private final SetChecker checker = new SetChecker("s");

    private void add(int p, long element, String outcome) {
        rec.invoke(p, Fn.ADD, "s", element);
        switch (outcome) {
            case "ok" -> rec.ok(p);
            case "fail" -> rec.fail(p, "fail");
            case "info" -> rec.info(p, "timeout");
            default -> { } // left pending
        }
    }

    private void finalRead(long... elements) {
        rec.invoke(99, Fn.READ_SET, "s");
        rec.ok(99, elements);
    }

    @Test
    void allAcknowledgedAddsPresentIsTrue() {
        add(0, 1, "ok");
        add(1, 2, "ok");
        add(2, 3, "info");
        add(3, 4, "info");
        add(4, 5, "pending");
        finalRead(1, 2, 3);
        SetResult r = checker.check(rec.history());
        assertEquals(Validity.TRUE, r.valid(), r.explanation());
        assertEquals(2, r.acknowledgedCount());
        assertEquals(1, r.indeterminatePresentCount());
        assertEquals(2, r.indeterminateAbsentCount());
    }

    @Test
    void lostAcknowledgedAddIsFalse() {
        add(0, 1, "ok");
        add(1, 2, "ok");
        finalRead(2);
        SetResult r = checker.check(rec.history());
        assertEquals(Validity.FALSE, r.valid());
        assertEquals(Set.of(1L), r.lost());
        assertTrue(r.explanation().contains("1 of 2 acknowledged adds lost [1]"), r.explanation());
    }

    @Test
    void elementNeverAddedOrFromAFailedAddIsUnexpected() {
        add(0, 1, "ok");
        add(1, 2, "fail");
        finalRead(1, 2, 7);
        SetResult r = checker.check(rec.history());
        assertEquals(Validity.FALSE, r.valid());
        assertEquals(Set.of(2L, 7L), r.unexpected());
        assertTrue(r.explanation().contains("failed adds"), r.explanation());
    }

    @Test
    void addStillRunningDuringTheFinalReadNeedNotBePresent() {
        rec.invoke(0, Fn.ADD, "s", 1);
        rec.invoke(99, Fn.READ_SET, "s");
        rec.ok(0);
        rec.ok(99);
        SetResult r = checker.check(rec.history());
        assertEquals(Validity.TRUE, r.valid(), r.explanation());
        assertEquals(0, r.acknowledgedCount());
        assertEquals(1, r.indeterminateAbsentCount());
    }

    @Test
    void noFinalReadIsUnknown() {
        add(0, 1, "ok");
        rec.invoke(99, Fn.READ_SET, "s");
        rec.info(99, "timeout");
        assertEquals(Validity.UNKNOWN, checker.check(rec.history()).valid());
    }
}
