package io.kvstore.jepsen.workload;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import io.kvstore.jepsen.store.StoreClient;
import io.kvstore.jepsen.store.StoreClient.Versioned;
import io.kvstore.jepsen.store.StoreException;
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
 * serializable reads (the {@code --stale-reads} mode, which must be caught).
 *
 * <p>A compare-and-set is a read followed by a conditional put on the version read (kvstore: znode version;
 * etcd: mod_revision), recorded as a read and then a {@code cas [value read, new value]}: with unique values and
 * no deletes, a key's version identifies its value, so the put succeeds exactly when the register still holds the
 * value read.
 */
final class RegisterWorkload implements StoreWorkload {
    static final int KEYS = 5;

    private final boolean linearizable;
    private final AtomicLong nextValue = new AtomicLong(1);

    RegisterWorkload(boolean staleReads) {
        this.linearizable = !staleReads;
    }

    @Override
    public void run(Stores stores, List<String> endpoints, HistoryRecorder recorder, int concurrency,
                    Duration time, long seed) throws InterruptedException {
        List<StoreClient> clients = new ArrayList<>();
        try {
            for (String endpoint : endpoints) {
                clients.add(stores.open(List.of(endpoint))); // process t talks to member t mod n only
            }
            long end = System.nanoTime() + time.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                int first = t;
                StoreClient client = clients.get(t % clients.size());
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
                t.join(time.plus(Workload.RETRY_DEADLINE).plusSeconds(30).toMillis());
            }
        } finally {
            clients.forEach(StoreClient::close);
        }
    }

    /** One operation; returns the process id to use next (a fresh one after an INFO). */
    private int step(StoreClient client, HistoryRecorder recorder, Random random, int process, int concurrency) {
        String key = "/jepsen/r" + random.nextInt(KEYS);
        int dice = random.nextInt(4);
        if (dice < 2) {
            read(client, recorder, process, key);
            return process;
        }
        if (dice == 2) {
            return write(client, recorder, process, key, concurrency);
        }
        Optional<Versioned> current = read(client, recorder, process, key);
        if (current == null || current.isEmpty()) {
            return process;
        }
        return cas(client, recorder, process, key, current.get(), concurrency);
    }

    /** Returns what was read, or null when the read failed. */
    private Optional<Versioned> read(StoreClient client, HistoryRecorder recorder, int process, String key) {
        recorder.invoke(process, Fn.READ, key);
        try {
            Optional<Versioned> v = client.read(key, linearizable);
            if (v.isPresent()) {
                recorder.ok(process, v.get().value());
            } else {
                recorder.ok(process);
            }
            return v;
        } catch (StoreException e) {
            recorder.fail(process, e.error()); // a read changes nothing, so it can always be FAIL
            return null;
        }
    }

    private int write(StoreClient client, HistoryRecorder recorder, int process, String key, int concurrency) {
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

    private int cas(StoreClient client, HistoryRecorder recorder, int process, String key, Versioned current,
                    int concurrency) {
        long v = nextValue.getAndIncrement();
        recorder.invoke(process, Fn.CAS, key, current.value(), v);
        try {
            client.compareAndSet(key, current.version(), v);
            recorder.ok(process);
            return process;
        } catch (StoreException e) {
            return StoreWorkload.failed(recorder, process, e, concurrency);
        }
    }
}
