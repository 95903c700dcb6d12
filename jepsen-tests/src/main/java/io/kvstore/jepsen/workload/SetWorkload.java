package io.kvstore.jepsen.workload;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvstore.client.CreateOptions;
import io.kvstore.client.KvAlreadyExistsException;
import io.kvstore.client.KvClient;
import io.kvstore.client.ReadConsistency;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
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
final class SetWorkload implements Workload {
    static final String SET = "/jepsen/set";
    /** The final read waits this long for the healed cluster (members restarting after a kill take a few s). */
    private static final Duration FINAL_READ_DEADLINE = Duration.ofSeconds(90);

    private final AtomicLong nextElement = new AtomicLong(1);

    @Override
    public KvClient client(List<String> endpoints, int member) {
        List<String> rotated = new ArrayList<>(endpoints.subList(member, endpoints.size()));
        rotated.addAll(endpoints.subList(0, member));
        return KvClient.builder().endpoints(rotated).requestTimeout(REQUEST_TIMEOUT).retryDeadline(RETRY_DEADLINE)
                .build();
    }

    @Override
    public void run(List<KvClient> clients, List<String> endpoints, HistoryRecorder recorder, int concurrency,
                    Duration time, long seed) throws InterruptedException {
        long end = System.nanoTime() + time.toNanos();
        List<Thread> threads = new ArrayList<>();
        int[] lastProcess = new int[concurrency];
        for (int t = 0; t < concurrency; t++) {
            int first = t;
            KvClient client = clients.get(t % clients.size());
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
            t.join(time.plus(RETRY_DEADLINE).plusSeconds(30).toMillis());
        }
        int finalProcess = 0;
        for (int p : lastProcess) {
            finalProcess = Math.max(finalProcess, p + concurrency);
        }
        finalRead(endpoints, recorder, finalProcess);
    }

    private int add(KvClient client, HistoryRecorder recorder, int process, int concurrency) {
        long e = nextElement.getAndIncrement();
        recorder.invoke(process, Fn.ADD, SET, e);
        try {
            client.create(SET + "/e" + e, Long.toString(e).getBytes(UTF_8), CreateOptions.MAKE_PARENTS);
            recorder.ok(process);
            return process;
        } catch (KvAlreadyExistsException exists) {
            recorder.ok(process); // each element is created once, so it exists only through this very call
            return process;
        } catch (RuntimeException ex) {
            return RegisterWorkload.failed(recorder, process, ex, concurrency);
        }
    }

    private void finalRead(List<String> endpoints, HistoryRecorder recorder, int process) {
        long deadline = System.nanoTime() + FINAL_READ_DEADLINE.toNanos();
        try (KvClient client = KvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(3))
                .retryDeadline(Duration.ofSeconds(10)).build()) {
            while (System.nanoTime() < deadline) { // bounded by FINAL_READ_DEADLINE
                recorder.invoke(process, Fn.READ_SET, SET);
                try {
                    List<String> names = client.list(SET, ReadConsistency.LINEARIZABLE);
                    recorder.ok(process, names.stream().mapToLong(n -> Long.parseLong(n.substring(1))).toArray());
                    return;
                } catch (RuntimeException e) {
                    recorder.fail(process, Workload.error(e));
                }
            }
        }
    }
}
