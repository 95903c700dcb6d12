package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker, with and without its fast path, agrees with {@link BruteForceChecker} on random small histories. */
class CrossCheckTest {
    private static final int HISTORIES = Integer.getInteger("crosscheck.histories", 5_000);

    @Test
    void agreesWithBruteForceOnRandomSmallHistories() {
        long baseSeed = Long.getLong("crosscheck.seed", 20240611L);
        System.out.println("CrossCheckTest seed " + baseSeed + " (-Dcrosscheck.seed=" + baseSeed + ")");
        LinearizabilityChecker.Options options = LinearizabilityChecker.Options.defaults()
                .withTimeBudget(Duration.ofSeconds(10)).withThreads(1);
        LinearizabilityChecker withFastPath = new LinearizabilityChecker(options, System::nanoTime, true);
        LinearizabilityChecker searchOnly = new LinearizabilityChecker(options, System::nanoTime, false);
        int valid = 0;
        for (int i = 0; i < HISTORIES; i++) {
            long seed = baseSeed + i;
            History h = randomHistory(new Random(seed));
            Validity expected = BruteForceChecker.linearizable(h) ? Validity.TRUE : Validity.FALSE;
            valid += expected == Validity.TRUE ? 1 : 0;
            assertEquals(expected, withFastPath.check(h).valid(), "seed " + seed + ": " + h.calls());
            assertEquals(expected, searchOnly.check(h).valid(), "seed " + seed + " (search only): " + h.calls());
        }
        System.out.println("CrossCheckTest: " + valid + " of " + HISTORIES + " random histories linearizable");
        // Both verdicts must be well represented, or the test proves little.
        assertTrue(valid > HISTORIES / 10 && valid < HISTORIES * 9 / 10, "valid " + valid);
    }

    /** Up to 8 calls by up to 3 processes on one key; values 1..3; outcomes mostly OK, some FAIL and INFO. */
    static History randomHistory(Random random) {
        long[] clock = {0};
        HistoryRecorder rec = new HistoryRecorder(() -> clock[0]++);
        int calls = 1 + random.nextInt(8);
        List<Integer> pending = new ArrayList<>();
        int nextProcess = 0;
        int invoked = 0;
        int idleProcesses = 3;
        while (invoked < calls || !pending.isEmpty()) {
            boolean invoke = invoked < calls && idleProcesses > 0 && (pending.isEmpty() || random.nextBoolean());
            if (invoke) {
                int p = nextProcess++;
                idleProcesses--;
                int dice = random.nextInt(3);
                if (dice == 0) {
                    rec.invoke(p, Fn.READ, "x");
                } else if (dice == 1) {
                    rec.invoke(p, Fn.WRITE, "x", 1 + random.nextInt(3));
                } else {
                    rec.invoke(p, Fn.CAS, "x", 1 + random.nextInt(3), 1 + random.nextInt(3));
                }
                pending.add(p);
                invoked++;
                continue;
            }
            int p = pending.remove(random.nextInt(pending.size()));
            idleProcesses++;
            int outcome = random.nextInt(10);
            if (outcome == 0) {
                rec.fail(p, "fail");
            } else if (outcome == 1) {
                rec.info(p, "timeout");
            } else if (outcome == 2) {
                // never completes (also indeterminate); the slot goes on with a fresh process id
            } else if (rec.history().calls().stream()
                    .anyMatch(c -> c.invoke().process() == p && c.invoke().f().equals(Fn.READ))) {
                int v = random.nextInt(4);
                if (v == 0) {
                    rec.ok(p);
                } else {
                    rec.ok(p, v);
                }
            } else {
                rec.ok(p);
            }
        }
        return rec.history();
    }
}
