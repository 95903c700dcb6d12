package io.kvstore.watch;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.store.HistoryBounds;
import io.kvstore.store.command.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Event delivery latency from apply to watcher, at 1, 1,000 and 10,000 watchers (SUBTREE on one hot subtree,
 * 1,000 watches per stream over one channel), over loopback gRPC, without raft (the write is applied on this thread:
 * what is measured is the watch path, not consensus). One write at a time: the next starts when every watcher got
 * the previous one. Prints p50/p99 (ms) of the time until the first and the last watcher had it, and of the apply call
 * (which includes the apply thread's fan-out to every live watch).
 *
 * <pre>mvn -o -q -pl raft,kvstore/api,kvstore/server test-compile exec:java ... or run main from the IDE</pre>
 * Arguments: writes per size (default 200).
 */
public final class WatchBench {

    public static void main(String[] args) throws Exception {
        int writes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        for (int watchers : new int[] {1, 1_000, 10_000}) {
            run(watchers, writes);
        }
        System.exit(0);
    }

    private static void run(int watchers, int writes) throws Exception {
        Path dir = Files.createTempDirectory("watch-bench");
        try (WatchHarness h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10))) {
            AtomicReference<CountDownLatch> pending = new AtomicReference<>(new CountDownLatch(watchers));
            long[] firstNanos = new long[writes];
            long[] lastNanos = new long[writes];
            long[] started = new long[1];
            long[] applyNanos = new long[writes];
            boolean[] closing = new boolean[1];
            int[] current = new int[1];
            List<StreamObserver<WatchRequest>> streams = new ArrayList<>();
            CountDownLatch created = new CountDownLatch(watchers);
            StreamObserver<WatchRequest> stream = null;
            for (int i = 0; i < watchers; i++) {
                if (i % WatchLimits.WATCHES_PER_STREAM_MAX == 0) {
                    stream = WatchGrpc.newStub(h.channel).watch(new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                            if (r.getCreated()) {
                                created.countDown();
                                return;
                            }
                            if (!r.hasEvents()) {
                                return;
                            }
                            long now = System.nanoTime();
                            synchronized (firstNanos) {
                                int w = current[0];
                                if (firstNanos[w] == 0) {
                                    firstNanos[w] = now - started[0];
                                }
                                lastNanos[w] = now - started[0];
                            }
                            pending.get().countDown();
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (!closing[0]) {
                                t.printStackTrace();
                            }
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
                    streams.add(stream);
                }
                stream.onNext(WatchRequest.newBuilder().setCreate(WatchCreateRequest.newBuilder().setWatchId(i + 1)
                        .setPath("/hot").setMode(WatchMode.SUBTREE)).build());
            }
            if (!created.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("watches not created");
            }
            for (int w = 0; w < writes; w++) {
                CountDownLatch latch = new CountDownLatch(watchers);
                pending.set(latch);
                synchronized (firstNanos) {
                    current[0] = w;
                    started[0] = System.nanoTime();
                }
                long applyStart = System.nanoTime();
                h.apply(Command.newBuilder().setPut(PutRequest.newBuilder().setPath("/hot/k" + (w % 16))
                        .setValue(com.google.protobuf.ByteString.copyFromUtf8("value-" + w)).setMakeParents(true))
                        .build());
                applyNanos[w] = System.nanoTime() - applyStart;
                if (!latch.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("write " + w + " not delivered to every watcher");
                }
            }
            closing[0] = true;
            streams.forEach(StreamObserver::onCompleted);
            System.out.printf("| %,d | %d | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f |%n", watchers, writes,
                    pct(firstNanos, 50), pct(firstNanos, 99), pct(lastNanos, 50), pct(lastNanos, 99),
                    pct(applyNanos, 50), pct(applyNanos, 99));
        }
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
    }
}
