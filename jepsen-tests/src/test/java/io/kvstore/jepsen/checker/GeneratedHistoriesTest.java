package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.Op;
import io.kvstore.jepsen.history.OpType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Histories from {@link RegisterSimulator} are linearizable; the same histories with one injected anomaly are
 * not. Seeded: a failure names the seed, and {@code -Dgenerated.seed=S} replays from S.
 */
class GeneratedHistoriesTest {
    private static final int SEEDS = Integer.getInteger("generated.seeds", 300);
    private static final long BASE_SEED = Long.getLong("generated.seed", 42L);
    private static final LinearizabilityChecker.Options OPTIONS = LinearizabilityChecker.Options.defaults()
            .withTimeBudget(Duration.ofSeconds(20)).withThreads(1);

    private static RegisterSimulator.Config config(long seed, boolean unique) {
        // 6 clients on 2 keys: each key sees real overlap; 5% of the calls crash.
        return new RegisterSimulator.Config(6, 2, 120, 5, unique);
    }

    @Test
    void simulatedHistoriesAreLinearizable() {
        System.out.println("GeneratedHistoriesTest seeds " + BASE_SEED + ".." + (BASE_SEED + SEEDS - 1));
        LinearizabilityChecker checker = new LinearizabilityChecker(OPTIONS);
        for (long seed = BASE_SEED; seed < BASE_SEED + SEEDS; seed++) {
            boolean unique = seed % 2 == 0;
            History h = RegisterSimulator.generate(config(seed, unique), seed);
            CheckResult r = checker.check(h);
            assertEquals(Validity.TRUE, r.valid(), "seed " + seed + " unique " + unique + ": " + r.explanation());
        }
    }

    enum Anomaly { STALE_READ, LOST_WRITE, DUPLICATED_WRITE, PHANTOM_VALUE }

    @Test
    void injectedAnomaliesAreFound() {
        System.out.println("GeneratedHistoriesTest seeds " + BASE_SEED + ".." + (BASE_SEED + SEEDS - 1));
        LinearizabilityChecker fast = new LinearizabilityChecker(OPTIONS, System::nanoTime, true);
        LinearizabilityChecker searchOnly = new LinearizabilityChecker(OPTIONS, System::nanoTime, false);
        int injected = 0;
        int attempts = 0;
        for (long seed = BASE_SEED; seed < BASE_SEED + SEEDS; seed++) {
            for (Anomaly anomaly : Anomaly.values()) {
                attempts++;
                boolean unique = anomaly != Anomaly.PHANTOM_VALUE || seed % 2 == 0;
                History h = RegisterSimulator.generate(config(seed, unique), seed);
                History bad = inject(h, anomaly, new Random(seed));
                if (bad == null) {
                    continue; // no suitable site in this history
                }
                injected++;
                for (LinearizabilityChecker checker : List.of(fast, searchOnly)) {
                    CheckResult r = checker.check(bad);
                    assertEquals(Validity.FALSE, r.valid(), "seed " + seed + " " + anomaly);
                    assertEquals(Validity.FALSE, checker.check(r.counterexample()).valid(),
                            "seed " + seed + " " + anomaly + ": counterexample must fail alone");
                }
            }
        }
        System.out.println("GeneratedHistoriesTest: injected " + injected + " of " + attempts);
        assertTrue(injected > attempts * 9 / 10, "too few injection sites: " + injected + " of " + attempts);
    }

    /**
     * Rewrites the value one completed read returned so that the history provably has no legal order, or returns
     * null when the history has no site for this anomaly. With w0 before w1 before r in real time (each completed
     * before the next was invoked) and unique values:
     * <ul>
     *   <li>STALE_READ: any read r after w1 returns w0's value;
     *   <li>LOST_WRITE: a read r that saw w1's value instead returns the value w1 overwrote (w0's);
     *   <li>DUPLICATED_WRITE: w0 is applied again after w1: a read r returns w0's value after another read saw
     *       w1's;
     *   <li>PHANTOM_VALUE: a read returns a value no call wrote (values may repeat here).
     * </ul>
     */
    static History inject(History h, Anomaly anomaly, Random random) {
        List<Call> reads = new ArrayList<>();
        List<Call> writes = new ArrayList<>();
        for (Call c : h.calls()) {
            if (c.outcome() != OpType.OK) {
                continue;
            }
            (c.invoke().f().equals(Fn.READ) ? reads : writes).add(c);
        }
        Collections.shuffle(reads, random);
        for (Call r : reads) {
            if (anomaly == Anomaly.PHANTOM_VALUE) {
                return withReadValue(h, r, 1_000_000L);
            }
            for (Call w1 : writes) {
                if (!sameKey(w1, r) || w1.completeIndex() > r.invoke().index()) {
                    continue;
                }
                long v1 = written(w1);
                Long observed = r.completion().value().isEmpty() ? null : r.completion().value().get(0);
                if (anomaly == Anomaly.LOST_WRITE && (observed == null || observed != v1)) {
                    continue;
                }
                if (anomaly == Anomaly.DUPLICATED_WRITE && !someReadSaw(reads, w1, r, v1)) {
                    continue;
                }
                for (Call w0 : writes) {
                    if (sameKey(w0, r) && w0.completeIndex() < w1.invoke().index()) {
                        return withReadValue(h, r, written(w0));
                    }
                }
            }
        }
        return null;
    }

    private static boolean someReadSaw(List<Call> reads, Call w1, Call r, long v1) {
        for (Call other : reads) {
            if (sameKey(other, r) && other.completeIndex() < r.invoke().index()
                    && other.completion().value().equals(List.of(v1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameKey(Call a, Call b) {
        return a.invoke().key().equals(b.invoke().key());
    }

    private static long written(Call c) {
        List<Long> v = c.invoke().value();
        return v.get(v.size() - 1); // write [v], cas [expected, new]
    }

    private static History withReadValue(History h, Call read, long value) {
        List<Op> ops = new ArrayList<>(h.ops());
        Op done = read.completion();
        ops.set((int) done.index(), new Op(done.index(), done.process(), done.type(), done.f(), done.key(),
                List.of(value), done.timeNanos(), done.error()));
        return History.of(ops);
    }
}
