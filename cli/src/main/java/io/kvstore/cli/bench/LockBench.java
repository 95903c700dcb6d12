package io.kvstore.cli.bench;

import io.kvstore.client.DistributedLock;
import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code kvctl bench lock}: two phases on one lock name.
 * <ol>
 *   <li><b>uncontended</b>: one client acquires and releases, {@code requests} times; each sample is one
 *       acquire + release (two replicated writes, the grant answered once the waiter is applied);</li>
 *   <li><b>handoff</b>: {@code waiters} clients loop acquire/release on the same lock; each sample is the time from
 *       a holder starting its release to the next holder's grant (release write, apply, the next waiter's watch
 *       event, its evaluation, its answer). Grants are exclusive, so the previous release start is unambiguous.</li>
 * </ol>
 * Each phase stops after {@code requests} samples or {@code durationMax}. Every waiter has its own session.
 */
final class LockBench {

    private static final Duration SESSION_TTL = Duration.ofSeconds(30);
    private static final Duration ACQUIRE_WAIT = Duration.ofSeconds(60);

    private LockBench() {
    }

    /** @return 0 when every measured acquisition succeeded, 1 otherwise */
    static int run(KvClient.Builder client, List<String> endpoints, int waiters, long requests,
                   Duration durationMax, String lockName, boolean json, PrintWriter out) throws InterruptedException {
        try (KvClient kv = client.writeLanes(waiters + 2).build()) {
            long[] uncontended = uncontended(kv, lockName + "-solo", requests, durationMax);
            Result handoff = handoff(kv, lockName + "-handoff", waiters, requests, durationMax);
            if (json) {
                out.println("{\"workload\":\"lock\",\"endpoints\":\"" + String.join(",", endpoints) + "\","
                        + "\"uncontended\":" + stats(uncontended, true) + ",\"handoff\":{\"waiters\":" + waiters
                        + ",\"errors\":" + handoff.errors() + ",\"latency\":" + stats(handoff.samples(), true) + "}}");
            } else {
                out.println("workload:     lock (" + String.join(",", endpoints) + ")");
                out.println("uncontended:  acquire+release, 1 client: " + stats(uncontended, false));
                out.println("handoff:      release start -> next grant, " + waiters + " waiters: "
                        + stats(handoff.samples(), false) + (handoff.errors() > 0 ? ", errors " + handoff.errors()
                        : ""));
            }
            out.flush();
            return handoff.errors() == 0 ? 0 : 1;
        }
    }

    private static long[] uncontended(KvClient kv, String name, long requests, Duration durationMax) {
        List<Long> samples = new ArrayList<>();
        try (Session session = kv.openSession(SESSION_TTL)) {
            DistributedLock lock = kv.lock(name, session);
            long end = System.nanoTime() + durationMax.toNanos();
            for (long i = 0; i < requests && System.nanoTime() - end < 0; i++) {
                long start = System.nanoTime();
                if (!lock.acquire(ACQUIRE_WAIT)) {
                    throw new IllegalStateException("uncontended lock " + name + " not granted within "
                            + ACQUIRE_WAIT);
                }
                lock.release();
                samples.add(System.nanoTime() - start);
            }
        }
        return samples.stream().mapToLong(Long::longValue).toArray();
    }

    private record Result(long[] samples, long errors) {
    }

    private static Result handoff(KvClient kv, String name, int waiters, long requests, Duration durationMax)
            throws InterruptedException {
        AtomicLong releaseStart = new AtomicLong();
        AtomicLong taken = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[] samples = new long[(int) Math.min(requests, Integer.MAX_VALUE - 8)];
        long end = System.nanoTime() + durationMax.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(waiters, r -> {
            Thread t = new Thread(r, "kvctl-bench-lock");
            t.setDaemon(true);
            return t;
        });
        List<Session> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < waiters; i++) {
                sessions.add(kv.openSession(SESSION_TTL));
            }
            List<Future<?>> running = new ArrayList<>();
            for (Session session : sessions) {
                running.add(pool.submit(() -> {
                    DistributedLock lock = kv.lock(name, session);
                    while (taken.get() < samples.length && System.nanoTime() - end < 0) {
                        try {
                            if (!lock.acquire(ACQUIRE_WAIT)) {
                                errors.incrementAndGet();
                                continue;
                            }
                            long granted = System.nanoTime();
                            long from = releaseStart.get();
                            if (from != 0) {
                                long i = taken.getAndIncrement();
                                if (i < samples.length) {
                                    samples[(int) i] = granted - from;
                                }
                            }
                            releaseStart.set(System.nanoTime());
                            lock.release();
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    errors.incrementAndGet();
                }
            }
        } finally {
            pool.shutdownNow();
            for (Session s : sessions) {
                try {
                    s.close();
                } catch (RuntimeException ignored) {
                    // the server expires it
                }
            }
        }
        int n = (int) Math.min(taken.get(), samples.length);
        return new Result(Arrays.copyOf(samples, n), errors.get());
    }

    private static String stats(long[] nanos, boolean json) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        String[] names = {"p50", "p90", "p99", "max"};
        double[] ranks = {0.5, 0.9, 0.99, 1.0};
        StringBuilder b = new StringBuilder(json ? "{\"samples\":" + sorted.length : "n=" + sorted.length);
        for (int i = 0; i < names.length; i++) {
            double ms = sorted.length == 0 ? 0
                    : sorted[Math.min(sorted.length - 1, (int) Math.ceil(ranks[i] * sorted.length) - 1)] / 1e6;
            b.append(json ? ",\"" + names[i] + "_ms\":" : " " + names[i] + "=")
                    .append(String.format(Locale.ROOT, "%.2f", ms)).append(json ? "" : "ms");
        }
        return json ? b.append('}').toString() : b.toString();
    }
}
