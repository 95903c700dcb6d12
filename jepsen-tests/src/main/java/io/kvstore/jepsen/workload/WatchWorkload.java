package io.kvstore.jepsen.workload;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import io.kvstore.jepsen.store.StoreClient;
import io.kvstore.jepsen.store.StoreClient.Change;
import io.kvstore.jepsen.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches: writer processes put unique values to a few keys under {@code /jepsen/w}; watcher processes each watch
 * the prefix from revision 1 for the whole run (through partitions, kills and reconnects) and record what they
 * are delivered, one {@code watch} operation per second: invocation {@code [next revision expected]}, completion
 * {@code [rev1, value1, rev2, value2, ...]}. After the run: a {@code final_read} of each key ({@code [value,
 * modRevision]}), a {@code read_history} by a fresh watch from revision 1 up to the newest final modRevision (the
 * committed history, as pairs), and the watchers keep going until they reach it too (at most
 * {@link #CATCH_UP}). {@link io.kvstore.jepsen.checker.WatchChecker} compares each watcher with the committed
 * history. A watch that the store ends (history compacted) completes its last operation {@code fail}.
 */
final class WatchWorkload implements StoreWorkload {
    static final String PREFIX = "/jepsen/w";
    static final int KEYS = 3;
    /**
     * Watchers and the final readers are numbered from concurrency × this, apart from the writers (whose ids grow by
     * the concurrency after each INFO); a multiple of the concurrency, so watcher w keeps lane writers + w in the
     * report's one-lane-per-client timeline.
     */
    static final int WATCHER_BASE_FACTOR = 100_000;
    /** How long watchers may take, after the run, to deliver the whole committed history. */
    static final Duration CATCH_UP = Duration.ofSeconds(30);
    private static final long CHUNK_NANOS = 1_000_000_000L;
    /** The reference watch moves to the next member after this long without a new revision. */
    private static final Duration REFERENCE_STALL = Duration.ofSeconds(10);

    private final AtomicLong nextValue = new AtomicLong(1);

    @Override
    public void run(Stores stores, List<String> endpoints, HistoryRecorder recorder, int concurrency,
                    Duration time, long seed) throws InterruptedException {
        int writers = Math.max(1, concurrency / 2);
        int watchers = Math.max(1, concurrency - writers);
        List<StoreClient> clients = new ArrayList<>();
        List<WatcherProcess> watching = new ArrayList<>();
        try {
            for (int m = 0; m < endpoints.size(); m++) {
                clients.add(stores.open(StoreWorkload.rotated(endpoints, m)));
            }
            long end = System.nanoTime() + time.toNanos();
            int base = concurrency * WATCHER_BASE_FACTOR;
            for (int w = 0; w < watchers; w++) {
                WatcherProcess p = new WatcherProcess(base + writers + w, recorder);
                // Each watcher on its own client, starting at member w mod n, so watchers sit on different members
                StoreClient c = stores.open(StoreWorkload.rotated(endpoints, w % endpoints.size()));
                clients.add(c);
                p.start(c);
                watching.add(p);
            }
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int first = t;
                StoreClient client = clients.get(t % endpoints.size());
                Random random = new Random(seed * 1_000_003L + t);
                Thread thread = new Thread(() -> {
                    int process = first;
                    while (System.nanoTime() < end) { // bounded by the run's time
                        process = write(client, recorder, random, process, concurrency);
                    }
                }, "writer-" + t);
                thread.start();
                threads.add(thread);
            }
            for (Thread t : threads) {
                t.join(time.plus(Workload.RETRY_DEADLINE).plusSeconds(30).toMillis());
            }
            long finalRevision = finalReads(stores, endpoints, recorder, base + concurrency);
            if (finalRevision > 0) {
                readHistory(stores, endpoints, recorder, base + concurrency + 1, finalRevision);
            }
            long catchUp = System.nanoTime() + CATCH_UP.toNanos();
            for (WatcherProcess p : watching) {
                p.finish(finalRevision, catchUp);
            }
        } finally {
            watching.forEach(WatcherProcess::stop);
            clients.forEach(StoreClient::close);
        }
    }

    private int write(StoreClient client, HistoryRecorder recorder, Random random, int process, int concurrency) {
        String key = PREFIX + "/k" + random.nextInt(KEYS);
        long v = nextValue.getAndIncrement();
        recorder.invoke(process, Fn.WRITE, key, v);
        try {
            client.write(key, v);
            recorder.ok(process);
            return process;
        } catch (StoreException e) {
            return StoreWorkload.failed(recorder, process, e, concurrency);
        }
    }

    /** Reads every key from the healed cluster; returns the newest modRevision, or 0 when a read never answered. */
    private static long finalReads(Stores stores, List<String> endpoints, HistoryRecorder recorder, int process) {
        long newest = 0;
        long deadline = System.nanoTime() + SetWorkload.FINAL_READ_DEADLINE.toNanos();
        try (StoreClient client = stores.open(endpoints, Duration.ofSeconds(3), Duration.ofSeconds(10))) {
            for (int k = 0; k < KEYS; k++) {
                String key = PREFIX + "/k" + k;
                boolean done = false;
                while (!done && System.nanoTime() < deadline) { // bounded by FINAL_READ_DEADLINE
                    recorder.invoke(process, Fn.FINAL_READ, key);
                    try {
                        Optional<StoreClient.Versioned> v = client.read(key, true);
                        if (v.isPresent()) {
                            recorder.ok(process, v.get().value(), v.get().modRevision());
                            newest = Math.max(newest, v.get().modRevision());
                        } else {
                            recorder.ok(process);
                        }
                        done = true;
                    } catch (StoreException e) {
                        recorder.fail(process, e.error());
                    }
                }
                if (!done) {
                    return 0;
                }
            }
        }
        return newest;
    }

    /**
     * A fresh watch from revision 1 until it delivered {@code upTo}: the committed history of the prefix. The
     * reference must not depend on one member: it watches one member at a time, and a member that delivers nothing
     * new for {@link #REFERENCE_STALL} (a removed member that still runs stays silent; a member that just joined
     * empty may too) or ends the watch is left for the next one, starting again from revision 1.
     */
    private static void readHistory(Stores stores, List<String> endpoints, HistoryRecorder recorder, int process,
                                    long upTo) throws InterruptedException {
        recorder.invoke(process, Fn.READ_HISTORY, PREFIX, 1);
        long deadline = System.nanoTime() + SetWorkload.FINAL_READ_DEADLINE.toNanos();
        StringBuilder tried = new StringBuilder();
        for (int e = 0; System.nanoTime() < deadline; e = (e + 1) % endpoints.size()) { // bounded by the deadline
            List<Long> pairs = new ArrayList<>();
            String outcome = watchOne(stores, endpoints.get(e), upTo, deadline, pairs);
            if (outcome == null) {
                recorder.ok(process, pairs.stream().mapToLong(Long::longValue).toArray());
                return;
            }
            tried.append(endpoints.get(e)).append(": ").append(outcome).append("; ");
        }
        recorder.fail(process, "no member delivered the history up to revision " + upTo + ": " + tried);
    }

    /** Null when the member at {@code endpoint} delivered revisions 1..upTo into {@code pairs}, else why not. */
    private static String watchOne(Stores stores, String endpoint, long upTo, long deadline, List<Long> pairs)
            throws InterruptedException {
        LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        try (StoreClient client = stores.open(List.of(endpoint), Duration.ofSeconds(3), Duration.ofSeconds(10))) {
            StoreClient.Handle watch = client.watch(PREFIX, 1, sinkInto(queue));
            try {
                long last = 0;
                long progressAt = System.nanoTime();
                while (last < upTo) { // bounded by the deadline and the stall limit
                    if (System.nanoTime() - deadline > 0) {
                        return "deadline, at revision " + last;
                    }
                    if (System.nanoTime() - progressAt > REFERENCE_STALL.toNanos()) {
                        return "no progress for " + REFERENCE_STALL.toSeconds() + " s at revision " + last;
                    }
                    Object o = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (o instanceof String reason) {
                        return reason;
                    }
                    if (o instanceof Change c) {
                        pairs.add(c.revision());
                        pairs.add(c.value());
                        last = c.revision();
                        progressAt = System.nanoTime();
                    }
                }
                return null;
            } finally {
                watch.close();
            }
        }
    }

    /** A sink that queues changes, and the end reason as a String. */
    private static StoreClient.WatchSink sinkInto(LinkedBlockingQueue<Object> queue) {
        return new StoreClient.WatchSink() {
            @Override
            public void changes(List<Change> changes) {
                queue.addAll(changes);
            }

            @Override
            public void ended(String reason) {
                queue.add(reason);
            }
        };
    }

    /** One watcher: its watch delivers into a queue; a thread turns the queue into one operation per second. */
    private static final class WatcherProcess {
        private final int process;
        private final HistoryRecorder recorder;
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private volatile boolean stopping;
        private volatile long target = Long.MAX_VALUE;
        private volatile long targetDeadline = Long.MAX_VALUE;
        private StoreClient.Handle handle;
        private Thread thread;

        WatcherProcess(int process, HistoryRecorder recorder) {
            this.process = process;
            this.recorder = recorder;
        }

        void start(StoreClient client) {
            handle = client.watch(PREFIX, 1, sinkInto(queue));
            thread = new Thread(this::record, "watcher-" + process);
            thread.start();
        }

        private void record() {
            long next = 1;
            boolean ended = false;
            while (!ended && !stopping) { // ends when stopped, at its target, or when the watch ends
                recorder.invoke(process, Fn.WATCH, PREFIX, next);
                List<Long> pairs = new ArrayList<>();
                long chunkEnd = System.nanoTime() + CHUNK_NANOS;
                String endReason = null;
                while (System.nanoTime() < chunkEnd && endReason == null) { // one second
                    Object o;
                    try {
                        o = queue.poll(50, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        break;
                    }
                    if (o instanceof Change c) {
                        pairs.add(c.revision());
                        pairs.add(c.value());
                        next = c.revision() + 1;
                    } else if (o instanceof String reason) {
                        endReason = reason;
                    }
                }
                recorder.ok(process, pairs.stream().mapToLong(Long::longValue).toArray());
                if (endReason != null) {
                    recorder.invoke(process, Fn.WATCH, PREFIX, next);
                    recorder.fail(process, endReason);
                    ended = true;
                }
                if (next > target || System.nanoTime() - targetDeadline > 0) {
                    break;
                }
            }
        }

        /** Lets the watcher run until it has delivered {@code finalRevision} or {@code deadline} passed. */
        void finish(long finalRevision, long deadline) throws InterruptedException {
            target = finalRevision;
            targetDeadline = deadline;
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000 + 2_000));
        }

        void stop() {
            stopping = true;
            if (handle != null) {
                handle.close();
            }
            if (thread != null) {
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
