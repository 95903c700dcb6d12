package io.kvstore.cli.bench;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.PutOptions;
import io.kvstore.client.ReadConsistency;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one phase of load (warm-up or measured) through {@link KvClient}'s async API: {@code clients} workers,
 * each with at most one request in flight.
 *
 * <p><b>Closed loop</b> (no target rate): a worker sends its next request when the previous one completes, and
 * latency is completion minus send. <b>Open loop</b> (target rate R): request n of the phase is <i>intended</i> to
 * start at {@code start + n / R}; a free worker takes the next n and sends it at its intended time, or at once if
 * that time has passed, and latency is measured from the intended time. So when the store stalls, the requests that
 * a real client at rate R would have queued up are charged the wait (no coordinated omission, as in wrk2).
 *
 * <p>Threads: requests complete on gRPC threads, which record the latency (HdrHistogram's {@link Recorder} is
 * wait-free for writers) and send the worker's next request; a send that would run inside its own completion
 * (a future already done) is handed to {@code timer} instead, so the stack never grows. {@link #run} blocks the
 * calling thread until the phase ends. Every phase is bounded by its request count and its deadline.
 */
final class LoadGenerator {
    /** Latencies above an hour are recorded as an hour: no bench request legitimately takes that long. */
    static final long LATENCY_NANOS_MAX = TimeUnit.HOURS.toNanos(1);
    /** Three significant digits: 0.1% relative error, the HdrHistogram default for latency. */
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Workload workload;
    private final List<KvClient> clients;
    private final List<String> keys;
    private final byte[] value;
    private final ScheduledExecutorService timer;
    /** The running phase, for {@link #completed()} (progress display); written by the thread calling run. */
    private volatile Phase current;

    /** Requests of the running (or last) phase that completed, successfully or not; any thread. */
    long completed() {
        Phase phase = current;
        return phase == null ? 0 : phase.ok.sum() + phase.errors.sum();
    }

    /**
     * @param clients one per connection; worker i uses {@code clients.get(i % size)}
     * @param keys the key space; workers pick keys uniformly with a seeded random (worker index)
     * @param value the value every put writes (the client copies it)
     * @param timer runs delayed open-loop sends and sends that would otherwise recurse
     */
    LoadGenerator(Workload workload, List<KvClient> clients, List<String> keys, byte[] value,
            ScheduledExecutorService timer) {
        if (clients.isEmpty() || keys.isEmpty()) {
            throw new IllegalArgumentException("clients and keys must not be empty");
        }
        this.workload = workload;
        this.clients = List.copyOf(clients);
        this.keys = List.copyOf(keys);
        this.value = value.clone();
        this.timer = timer;
    }

    /** What to send. */
    enum Workload { PUT, GET_LINEARIZABLE, GET_SERIALIZABLE }

    /** The outcome of one phase. {@code unsent} requests were not sent because the deadline came first. */
    record PhaseResult(long ok, long errors, long unsent, long elapsedNanos, Histogram latencyNanos,
            Map<String, Long> errorsByReason) {
    }

    /**
     * Runs {@code requests} requests with {@code workers} workers, stopping early at {@code durationNanos}.
     *
     * @param targetRatePerSecond 0 for closed loop, else the open-loop schedule's rate over all workers
     */
    PhaseResult run(int workers, long requests, double targetRatePerSecond, long durationNanos)
            throws InterruptedException {
        Phase phase = new Phase(requests, targetRatePerSecond, durationNanos, workers);
        current = phase;
        for (int i = 0; i < workers; i++) {
            new Worker(phase, clients.get(i % clients.size()), new Random(i)).next();
        }
        // Bounded: every worker ends after the deadline or once the requests run out; a request stuck longer
        // than its retry deadline is the client's bug, and the wait below gives up an hour after the phase.
        if (!phase.done.await(durationNanos + LATENCY_NANOS_MAX, TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("bench workers did not finish");
        }
        long elapsed = phase.lastCompletionNanos.get() - phase.startNanos;
        long sent = phase.sent.get();
        return new PhaseResult(phase.ok.sum(), phase.errors.sum(), Math.max(0, requests - sent),
                Math.max(elapsed, 1), phase.latency.getIntervalHistogram(), Map.copyOf(phase.errorsByReason));
    }

    /** State shared by the workers of one phase. */
    private static final class Phase {
        final long requests;
        final double ratePerNano;
        final long startNanos = System.nanoTime();
        final long deadlineNanos;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong lastCompletionNanos = new AtomicLong(startNanos);
        final LongAdder ok = new LongAdder();
        final LongAdder errors = new LongAdder();
        final Map<String, Long> errorsByReason = new ConcurrentHashMap<>();
        final Recorder latency = new Recorder(LATENCY_NANOS_MAX, SIGNIFICANT_DIGITS);
        final CountDownLatch done;

        Phase(long requests, double targetRatePerSecond, long durationNanos, int workers) {
            this.requests = requests;
            this.ratePerNano = targetRatePerSecond / 1e9;
            this.deadlineNanos = startNanos + durationNanos;
            this.done = new CountDownLatch(workers);
        }

        boolean openLoop() {
            return ratePerNano > 0;
        }
    }

    /** One closed-loop client: at most one request in flight. Its fields are touched by one thread at a time. */
    private final class Worker {
        private final Phase phase;
        private final KvClient kv;
        private final Random random;
        /** True while {@link #send} registers its completion: a completion seen then must not recurse. */
        private volatile boolean sending;

        Worker(Phase phase, KvClient kv, Random random) {
            this.phase = phase;
            this.kv = kv;
            this.random = random;
        }

        /** Takes the next request of the phase, or ends this worker when there is none or time is up. */
        void next() {
            long now = System.nanoTime();
            if (now - phase.deadlineNanos >= 0) {
                phase.done.countDown();
                return;
            }
            long n = phase.sent.getAndIncrement();
            if (n >= phase.requests) {
                phase.sent.decrementAndGet();
                phase.done.countDown();
                return;
            }
            if (!phase.openLoop()) {
                send(now);
                return;
            }
            long intended = phase.startNanos + (long) (n / phase.ratePerNano);
            if (intended - now > 0) {
                timer.schedule(() -> send(intended), intended - now, TimeUnit.NANOSECONDS);
            } else {
                send(intended);
            }
        }

        private void send(long intendedNanos) {
            String key = keys.get(random.nextInt(keys.size()));
            CompletableFuture<?> call;
            try {
                call = switch (workload) {
                    case PUT -> kv.putAsync(key, value, PutOptions.DEFAULT);
                    case GET_LINEARIZABLE -> kv.getAsync(key, ReadConsistency.LINEARIZABLE);
                    case GET_SERIALIZABLE -> kv.getAsync(key, ReadConsistency.SERIALIZABLE);
                };
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            sending = true;
            call.whenComplete((result, failure) -> completed(intendedNanos, failure));
            sending = false;
        }

        private void completed(long intendedNanos, Throwable failure) {
            long end = System.nanoTime();
            phase.lastCompletionNanos.accumulateAndGet(end, Math::max);
            if (failure == null) {
                phase.latency.recordValue(Math.min(end - intendedNanos, LATENCY_NANOS_MAX));
                phase.ok.increment();
            } else {
                phase.errors.increment();
                phase.errorsByReason.merge(reason(failure), 1L, Long::sum);
            }
            if (sending) {
                timer.execute(this::next);
            } else {
                next();
            }
        }
    }

    /** The error reason for the report: the store's reason name, else the exception's class name. */
    static String reason(Throwable failure) {
        Throwable e = failure;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof KvException kv && kv.reason().isPresent()) {
            return kv.reason().get().name();
        }
        return e.getClass().getSimpleName();
    }
}
