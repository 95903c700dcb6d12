package io.kvstore.jepsen.workload;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import io.kvstore.jepsen.store.StoreClient;
import io.kvstore.jepsen.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * No lost writes: processes create unique children {@code /jepsen/set/e<n>} (an {@code add} of n); after the run
 * one more process lists {@code /jepsen/set} (the final {@code read_set}), retrying until the healed cluster
 * answers. Every acknowledged create must be listed. Clients list every member, starting with their own, so adds
 * fail over like a real service's would.
 */
final class SetWorkload implements StoreWorkload {
    static final String SET = "/jepsen/set";
    /** The final read waits this long for the healed cluster (members restarting after a kill take a few s). */
    static final Duration FINAL_READ_DEADLINE = Duration.ofSeconds(90);

    private final AtomicLong nextElement = new AtomicLong(1);

    @Override
    public void run(Stores stores, List<String> endpoints, HistoryRecorder recorder, int concurrency,
                    Duration time, long seed) throws InterruptedException {
        List<StoreClient> clients = new ArrayList<>();
        try {
            for (int m = 0; m < endpoints.size(); m++) {
                clients.add(stores.open(StoreWorkload.rotated(endpoints, m)));
            }
            long end = System.nanoTime() + time.toNanos();
            List<Thread> threads = new ArrayList<>();
            int[] lastProcess = new int[concurrency];
            for (int t = 0; t < concurrency; t++) {
                int first = t;
                StoreClient client = clients.get(t % clients.size());
                Thread thread = new Thread(() -> {
                    int process = first;
                    while (System.nanoTime() < end) { // bounded by the run's time
                        process = add(client, recorder, process, concurrency);
                    }
                    lastProcess[first] = process;
                }, "process-" + t);
                thread.start();
                threads.add(thread);
            }
            for (Thread t : threads) {
                t.join(time.plus(Workload.RETRY_DEADLINE).plusSeconds(30).toMillis());
            }
            int finalProcess = 0;
            for (int p : lastProcess) {
                finalProcess = Math.max(finalProcess, p + concurrency);
            }
            finalRead(stores, endpoints, recorder, finalProcess);
        } finally {
            clients.forEach(StoreClient::close);
        }
    }

    private int add(StoreClient client, HistoryRecorder recorder, int process, int concurrency) {
        long e = nextElement.getAndIncrement();
        recorder.invoke(process, Fn.ADD, SET, e);
        try {
            client.create(SET + "/e" + e, e);
            recorder.ok(process);
            return process;
        } catch (StoreException ex) {
            return StoreWorkload.failed(recorder, process, ex, concurrency);
        }
    }

    private void finalRead(Stores stores, List<String> endpoints, HistoryRecorder recorder, int process) {
        long deadline = System.nanoTime() + FINAL_READ_DEADLINE.toNanos();
        try (StoreClient client = stores.open(endpoints, Duration.ofSeconds(3), Duration.ofSeconds(10))) {
            while (System.nanoTime() < deadline) { // bounded by FINAL_READ_DEADLINE
                recorder.invoke(process, Fn.READ_SET, SET);
                try {
                    List<String> names = client.list(SET);
                    recorder.ok(process, names.stream().mapToLong(n -> Long.parseLong(n.substring(1))).toArray());
                    return;
                } catch (StoreException e) {
                    recorder.fail(process, e.error());
                }
            }
        }
    }
}
