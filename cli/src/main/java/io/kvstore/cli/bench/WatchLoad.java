package io.kvstore.cli.bench;

import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchMode;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.HdrHistogram.Recorder;

/**
 * {@code kvctl bench watch}: watch delivery latency and throughput. {@code watchers} SUBTREE watches on the prefix
 * (spread over the KvClients, so over their connections) see every put that {@code writers} closed-loop writers make;
 * each value starts with the writer's {@link System#nanoTime()} at send, so a watcher in the same JVM records
 * send-to-delivery latency: the write's commit and apply plus the watch path. The phase ends when every watcher has
 * seen every write, or at the deadline (missing deliveries are counted as unsent).
 *
 * <p>Threads: writers are the calling thread's futures completing on gRPC threads; listeners run on the clients'
 * watch executors and record into a {@link Recorder} (thread-safe).
 */
final class WatchLoad {
    private static final int SIGNIFICANT_DIGITS = 3;

    private final List<KvClient> clients;
    private final List<String> keys;
    private final int valueBytes;

    WatchLoad(List<KvClient> clients, List<String> keys, int valueBytes) {
        this.clients = List.copyOf(clients);
        this.keys = List.copyOf(keys);
        this.valueBytes = Math.max(Long.BYTES, valueBytes);
    }

    /**
     * Registers {@code watchers} watches on {@code prefix}, waits until each is live, then makes {@code writes}
     * puts with {@code writers} in flight, and waits up to {@code durationNanos} for the deliveries.
     *
     * @param progress hears the deliveries so far
     */
    LoadGenerator.PhaseResult run(String prefix, int watchers, int writers, long writes, long durationNanos,
            LongConsumer progress) throws InterruptedException {
        Recorder latency = new Recorder(LoadGenerator.LATENCY_NANOS_MAX, SIGNIFICANT_DIGITS);
        LongAdder delivered = new LongAdder();
        AtomicLong lastDeliveryNanos = new AtomicLong();
        CountDownLatch live = new CountDownLatch(watchers);
        CountDownLatch all = new CountDownLatch(1);
        long expected = writes * watchers;
        List<Watcher> running = new ArrayList<>();
        String probe = prefix + "/probe";
        try {
            for (int i = 0; i < watchers; i++) {
                running.add(clients.get(i % clients.size()).watch(prefix, WatchOptions.DEFAULT
                        .withMode(WatchMode.SUBTREE), new Listener(probe, live, latency, delivered,
                        lastDeliveryNanos, expected, all)));
            }
            // A watch is live once it reported a probe write: written until every watcher saw one (bounded by
            // the deadline), so no measured write is sent before a watcher could see it.
            long deadline = System.nanoTime() + durationNanos;
            while (!live.await(100, TimeUnit.MILLISECONDS)) {
                clients.get(0).put(probe, new byte[Long.BYTES], PutOptions.DEFAULT);
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException((watchers - live.getCount()) + " of " + watchers
                            + " watches registered within the deadline");
                }
            }
            long start = System.nanoTime();
            long errors = write(writers, writes);
            long waitNanos = Math.max(0, start + durationNanos - System.nanoTime());
            long polls = waitNanos / TimeUnit.MILLISECONDS.toNanos(200) + 1;
            for (long i = 0; i < polls && !all.await(200, TimeUnit.MILLISECONDS); i++) {
                progress.accept(delivered.sum());
            }
            long got = delivered.sum();
            long elapsed = Math.max(1, (got > 0 ? lastDeliveryNanos.get() : System.nanoTime()) - start);
            return new LoadGenerator.PhaseResult(got, errors, Math.max(0, (writes - errors) * watchers - got),
                    elapsed, latency.getIntervalHistogram(), errors == 0 ? Map.of() : Map.of("put", errors));
        } finally {
            running.forEach(Watcher::close);
        }
    }

    /** {@code writes} puts, at most {@code writers} in flight; returns how many failed. */
    private long write(int writers, long writes) throws InterruptedException {
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(writers);
        LongAdder errors = new LongAdder();
        for (long i = 0; i < writes; i++) {
            inFlight.acquire();
            byte[] value = new byte[valueBytes];
            ByteBuffer.wrap(value).putLong(System.nanoTime());
            clients.get((int) (i % clients.size())).putAsync(keys.get((int) (i % keys.size())), value,
                    PutOptions.DEFAULT).whenComplete((r, e) -> {
                        if (e != null) {
                            errors.increment();
                        }
                        inFlight.release();
                    });
        }
        inFlight.acquire(writers); // every put answered
        return errors.sum();
    }

    private static final class Listener implements WatchListener {
        private final String probe;
        private final CountDownLatch live;
        private final Recorder latency;
        private final LongAdder delivered;
        private final AtomicLong lastDeliveryNanos;
        private final long expected;
        private final CountDownLatch all;
        private boolean sawProbe;

        Listener(String probe, CountDownLatch live, Recorder latency, LongAdder delivered, AtomicLong last,
                long expected, CountDownLatch all) {
            this.probe = probe;
            this.live = live;
            this.latency = latency;
            this.delivered = delivered;
            this.lastDeliveryNanos = last;
            this.expected = expected;
            this.all = all;
        }

        @Override
        public void onEvents(List<WatchEvent> events) {
            long now = System.nanoTime();
            for (WatchEvent e : events) {
                if (e.path().equals(probe)) {
                    if (!sawProbe) {
                        sawProbe = true;
                        live.countDown();
                    }
                    continue;
                }
                if (e.type() == WatchEvent.Type.DELETED || e.value().length < Long.BYTES) {
                    continue;
                }
                long sent = ByteBuffer.wrap(e.value()).getLong();
                latency.recordValue(Math.min(Math.max(0, now - sent), LoadGenerator.LATENCY_NANOS_MAX));
                delivered.increment();
                lastDeliveryNanos.accumulateAndGet(now, Math::max);
            }
            if (delivered.sum() >= expected) {
                all.countDown();
            }
        }
    }
}
