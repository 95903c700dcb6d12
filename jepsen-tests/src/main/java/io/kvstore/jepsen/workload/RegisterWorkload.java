package io.kvstore.jepsen.workload;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import io.kvstore.client.ReadConsistency;
import io.kvstore.client.Znode;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Linearizable registers: processes read, write and compare-and-set a few keys ({@code /jepsen/r0} ...), every
 * written value unique. Each process is bound to one member (its client lists only that member), so a process on
 * a minority side sees what that side serves: nothing for linearizable reads, possibly stale data for
 * {@link ReadConsistency#SERIALIZABLE} reads (the {@code --stale-reads} mode, which must be caught).
 *
 * <p>A compare-and-set is a read followed by {@code put(ifVersion(version read))}, recorded as a read and then a
 * {@code cas [value read, new value]}: with unique values and no deletes, a key's version identifies its value, so
 * the put succeeds exactly when the register still holds the value read.
 */
final class RegisterWorkload implements Workload {
    static final int KEYS = 5;

    private final ReadConsistency consistency;
    private final AtomicLong nextValue = new AtomicLong(1);

    RegisterWorkload(boolean staleReads) {
        this.consistency = staleReads ? ReadConsistency.SERIALIZABLE : ReadConsistency.LINEARIZABLE;
    }

    @Override
    public KvClient client(List<String> endpoints, int member) {
        return KvClient.builder().endpoints(endpoints.get(member)).requestTimeout(REQUEST_TIMEOUT)
                .retryDeadline(RETRY_DEADLINE).build();
    }

    @Override
    public void run(List<KvClient> clients, List<String> endpoints, HistoryRecorder recorder, int concurrency,
                    Duration time, long seed) throws InterruptedException {
        long end = System.nanoTime() + time.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            int first = t;
            KvClient client = clients.get(t % clients.size());
            Random random = new Random(seed * 1_000_003L + t);
            Thread thread = new Thread(() -> {
                int process = first;
                while (System.nanoTime() < end) { // bounded by the run's time
                    process = step(client, recorder, random, process, concurrency);
                }
            }, "process-" + t);
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join(time.plus(RETRY_DEADLINE).plusSeconds(30).toMillis());
        }
    }

    /** One operation; returns the process id to use next (a fresh one after an INFO). */
    private int step(KvClient client, HistoryRecorder recorder, Random random, int process, int concurrency) {
        String key = "/jepsen/r" + random.nextInt(KEYS);
        int dice = random.nextInt(4);
        if (dice < 2) {
            read(client, recorder, process, key);
            return process;
        }
        if (dice == 2) {
            return write(client, recorder, process, key, concurrency);
        }
        Optional<Znode> current = read(client, recorder, process, key);
        if (current == null || current.isEmpty()) {
            return process;
        }
        return cas(client, recorder, process, key, current.get(), concurrency);
    }

    /** Returns what was read, or null when the read failed. */
    private Optional<Znode> read(KvClient client, HistoryRecorder recorder, int process, String key) {
        recorder.invoke(process, Fn.READ, key);
        try {
            Optional<Znode> z = client.find(key, consistency);
            if (z.isPresent()) {
                recorder.ok(process, parse(z.get()));
            } else {
                recorder.ok(process);
            }
            return z;
        } catch (RuntimeException e) {
            recorder.fail(process, Workload.error(e)); // a read changes nothing, so it can always be FAIL
            return null;
        }
    }

    private int write(KvClient client, HistoryRecorder recorder, int process, String key, int concurrency) {
        long v = nextValue.getAndIncrement();
        recorder.invoke(process, Fn.WRITE, key, v);
        try {
            client.put(key, Long.toString(v).getBytes(UTF_8), PutOptions.DEFAULT.withMakeParents());
            recorder.ok(process);
            return process;
        } catch (RuntimeException e) {
            return failed(recorder, process, e, concurrency);
        }
    }

    private int cas(KvClient client, HistoryRecorder recorder, int process, String key, Znode current,
                    int concurrency) {
        long v = nextValue.getAndIncrement();
        recorder.invoke(process, Fn.CAS, key, parse(current), v);
        try {
            client.put(key, Long.toString(v).getBytes(UTF_8), PutOptions.ifVersion(current.stat().version()));
            recorder.ok(process);
            return process;
        } catch (RuntimeException e) {
            return failed(recorder, process, e, concurrency);
        }
    }

    static int failed(HistoryRecorder recorder, int process, RuntimeException e, int concurrency) {
        if (Workload.definitelyNotApplied(e)) {
            recorder.fail(process, Workload.error(e));
            return process;
        }
        recorder.info(process, Workload.error(e));
        return process + concurrency; // Jepsen's rule: a process with an op of unknown outcome never returns
    }

    private static long parse(Znode z) {
        return Long.parseLong(z.valueUtf8());
    }
}
