package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A search that runs out of time says UNKNOWN, never TRUE. */
class TimeBudgetTest {
    /**
     * 22 writes that all overlap, with repeated values (so the fast path does not apply), then two reads after
     * all of them, of 0 and then 1: no order allows that, but the search only learns it after trying the orders
     * of the writes, some 2^22 (taken-set, value) pairs; minutes, not milliseconds.
     */
    static History hardHistory() {
        long[] clock = {0};
        HistoryRecorder rec = new HistoryRecorder(() -> clock[0]++);
        int writes = 22;
        for (int p = 0; p < writes; p++) {
            rec.invoke(p, Fn.WRITE, "x", p % 11);
        }
        for (int p = 0; p < writes; p++) {
            rec.ok(p);
        }
        rec.invoke(100, Fn.READ, "x");
        rec.ok(100, 0);
        rec.invoke(101, Fn.READ, "x");
        rec.ok(101, 1); // after all writes completed, x cannot change from 0 to 1
        return rec.history();
    }

    @Test
    void tinyBudgetOnAHardHistoryIsUnknown() {
        // The fake clock jumps an hour per reading, so the first deadline check fires: deterministic.
        long[] now = {0};
        LinearizabilityChecker checker = new LinearizabilityChecker(
                LinearizabilityChecker.Options.defaults().withTimeBudget(Duration.ofMillis(1)),
                () -> now[0] += Duration.ofHours(1).toNanos(), true);
        CheckResult r = checker.check(hardHistory());
        assertEquals(Validity.UNKNOWN, r.valid());
        assertNull(r.counterexample());
        assertTrue(r.explanation().contains("ran out of its time budget"), r.explanation());
    }

    @Test
    void realClockBudgetIsUnknownToo() {
        CheckResult r = new LinearizabilityChecker(
                LinearizabilityChecker.Options.defaults().withTimeBudget(Duration.ofMillis(50)))
                .check(hardHistory());
        System.out.println("TimeBudgetTest: " + r);
        assertEquals(Validity.UNKNOWN, r.valid());
    }
}
