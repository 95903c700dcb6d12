package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Checks that a history of per-key registers (functions read, write, cas; see
 * {@link io.kvstore.jepsen.history.Fn}) is linearizable: that there is one order of the operations, consistent
 * with real time, in which every key behaves as a single register starting absent.
 *
 * <p>Keys are independent (linearizability is compositional, which Porcupine calls P-compositionality), so each
 * key is checked on its own, on a bounded pool. Per key: drop what cannot matter ({@link RegisterCall#fromHistory}),
 * try the unique-values fast path ({@link UniqueValueCheck}), which can only prove FALSE, then run the Wing &amp;
 * Gong search with Lowe's memoization ({@link WglSearch}). A FALSE key is shrunk to a small counterexample within
 * {@link Options#shrinkBudget}.
 *
 * <p>Thread-safe and stateless between calls; {@link #check} blocks and uses its own short-lived threads.
 */
public final class LinearizabilityChecker {
    /**
     * @param timeBudget wall time for the whole search; keys still undecided then are UNKNOWN (default 60 s)
     * @param shrinkBudget extra wall time for shrinking counterexamples once the search is done (default 2 s)
     * @param threads keys checked in parallel (default: available processors)
     */
    public record Options(Duration timeBudget, Duration shrinkBudget, int threads) {
        public Options {
            if (timeBudget.isNegative() || shrinkBudget.isNegative()) {
                throw new IllegalArgumentException("budgets must be >= 0: " + timeBudget + ", " + shrinkBudget);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1: " + threads);
            }
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), Duration.ofSeconds(2),
                    Runtime.getRuntime().availableProcessors());
        }

        public Options withTimeBudget(Duration budget) {
            return new Options(budget, shrinkBudget, threads);
        }

        public Options withThreads(int n) {
            return new Options(timeBudget, shrinkBudget, n);
        }
    }

    private final Options options;
    private final LongSupplier clockNanos;
    private final boolean fastPath;

    public LinearizabilityChecker(Options options) {
        this(options, System::nanoTime, true);
    }

    /**
     * For tests: an injected clock makes the budget run out deterministically, and {@code fastPath = false} makes
     * the full search decide every key, so that both paths can be checked against an oracle.
     */
    LinearizabilityChecker(Options options, LongSupplier clockNanos, boolean fastPath) {
        this.options = Objects.requireNonNull(options, "options");
        this.clockNanos = Objects.requireNonNull(clockNanos, "clockNanos");
        this.fastPath = fastPath;
    }

    /**
     * Checks {@code history}. Throws {@link IllegalArgumentException} when it holds a function other than read,
     * write and cas, or values of the wrong shape. Never returns TRUE when the budget ran out.
     */
    public CheckResult check(History history) {
        long start = clockNanos.getAsLong();
        long deadline = start + options.timeBudget().toNanos();
        Map<String, List<Call>> byKey = history.callsByKey();
        List<String> keys = new ArrayList<>(byKey.keySet());
        keys.sort(Comparator.comparingInt((String k) -> -byKey.get(k).size())); // big keys first balance the pool
        Map<String, KeyResult> results = new TreeMap<>();
        int threads = Math.min(options.threads(), Math.max(1, keys.size()));
        if (threads == 1) {
            for (String k : keys) {
                results.put(k, checkKey(k, byKey.get(k), deadline));
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "linearizability-checker");
                t.setDaemon(true);
                return t;
            });
            try {
                Map<String, Future<KeyResult>> futures = new HashMap<>();
                for (String k : keys) {
                    futures.put(k, pool.submit(() -> checkKey(k, byKey.get(k), deadline)));
                }
                for (String k : keys) {
                    results.put(k, futures.get(k).get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while checking", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        return combine(results, clockNanos.getAsLong() - start);
    }

    private static CheckResult combine(Map<String, KeyResult> results, long elapsedNanos) {
        Validity valid = Validity.TRUE;
        KeyResult firstFalse = null;
        KeyResult firstUnknown = null;
        for (KeyResult r : results.values()) {
            valid = valid.and(r.validity());
            if (r.validity() == Validity.FALSE && firstFalse == null) {
                firstFalse = r;
            } else if (r.validity() == Validity.UNKNOWN && firstUnknown == null) {
                firstUnknown = r;
            }
        }
        if (firstFalse != null) {
            return new CheckResult(valid, results, firstFalse.explanation(), firstFalse.counterexample(),
                    elapsedNanos);
        }
        String explanation = firstUnknown == null ? "" : firstUnknown.explanation();
        return new CheckResult(valid, results, explanation, null, elapsedNanos);
    }

    KeyResult checkKey(String key, List<Call> history, long deadline) {
        List<RegisterCall> calls = RegisterCall.fromHistory(history);
        UniqueValueCheck.Anomaly anomaly = fastPath ? UniqueValueCheck.find(key, calls) : null;
        if (anomaly != null) {
            List<Call> witness = anomaly.calls().stream().map(RegisterCall::source).toList();
            return new KeyResult(key, Validity.FALSE, calls.size(), anomaly.explanation(), toHistory(witness));
        }
        WglSearch.Outcome outcome = new WglSearch(calls).run(clockNanos, deadline);
        switch (outcome.validity()) {
            case TRUE:
                return new KeyResult(key, Validity.TRUE, calls.size(), "", null);
            case UNKNOWN:
                return new KeyResult(key, Validity.UNKNOWN, calls.size(), "key " + key + ": the search for an order of "
                        + calls.size() + " operations ran out of its time budget after " + outcome.steps()
                        + " steps; not checked", null);
            default:
                break;
        }
        long shrinkDeadline = clockNanos.getAsLong() + options.shrinkBudget().toNanos();
        List<Call> small = new Shrinker(clockNanos, shrinkDeadline)
                .shrink(history, outcome.blockedCall().completeIndex());
        // Report the kept calls as recorded: shrinking may have weakened some to indeterminate, and the recorded
        // (stronger) versions are just as illegal, with outcomes the reader can find in the history.
        Map<Long, Call> original = new HashMap<>();
        for (Call c : history) {
            original.put(c.invoke().index(), c);
        }
        List<Call> recorded = small.stream().map(c -> original.get(c.invoke().index())).toList();
        List<RegisterCall> smallCalls = RegisterCall.fromHistory(recorded);
        WglSearch.Outcome why = new WglSearch(smallCalls)
                .run(clockNanos, clockNanos.getAsLong() + options.timeBudget().toNanos());
        if (why.validity() == Validity.TRUE) {
            throw new IllegalStateException("shrunk counterexample for key " + key + " is " + why.validity());
        }
        return new KeyResult(key, Validity.FALSE, calls.size(), explain(key, calls.size(), smallCalls, why),
                toHistory(recorded));
    }

    private static String explain(String key, int total, List<RegisterCall> small, WglSearch.Outcome why) {
        StringBuilder s = new StringBuilder();
        s.append("key ").append(key).append(": no order of its ").append(total)
                .append(" operations is legal; these ").append(small.size()).append(" already have none:");
        for (RegisterCall c : small) {
            s.append("\n  ").append(c.describe());
        }
        RegisterCall b = why.blockedCall();
        if (why.validity() != Validity.FALSE || b == null) {
            return s.toString(); // re-running the search on the small history ran out of time
        }
        s.append("\nThe longest legal order found places ").append(why.deepestTaken()).append(" of them and leaves ")
                .append(key).append(" = ").append(RegisterCall.show(why.deepestState())).append("; then ")
                .append(b.describe()).append(" must take effect by #").append(b.completeIndex()).append(" but ")
                .append(b.kind() == RegisterCall.Kind.READ ? "needs " : "expects ")
                .append(key).append(" = ").append(RegisterCall.show(b.observed())).append('.');
        return s.toString();
    }

    /** The original events of {@code calls}, in history order, renumbered from 0. */
    private static History toHistory(List<Call> calls) {
        List<Op> ops = new ArrayList<>();
        for (Call c : calls) {
            ops.add(c.invoke());
            if (c.completion() != null) {
                ops.add(c.completion());
            }
        }
        ops.sort(Comparator.comparingLong(Op::index));
        return History.renumbered(ops);
    }
}
