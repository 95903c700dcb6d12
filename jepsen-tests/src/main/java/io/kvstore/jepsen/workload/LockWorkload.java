package io.kvstore.jepsen.workload;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvstore.client.DistributedLock;
import io.kvstore.client.FencingToken;
import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import io.kvstore.client.PutResult;
import io.kvstore.client.Session;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Lock safety under faults ({@link io.kvstore.jepsen.checker.LockChecker}). Each process, with its own session
 * (TTL {@value #SESSION_TTL_MILLIS} ms, renewed when it expires), loops: {@code acquire} the lock (OK value: the
 * fencing token), {@code fenced_write} {@value #DATA} with the token (OK value: token, revision), {@code release},
 * and after an acknowledged release one {@code stale_write} with the released token, which must always FAIL with
 * FENCED. Keys are the lock's name. Operations of unknown outcome are INFO, and their process moves on to a new
 * number (Jepsen's rule).
 */
final class LockWorkload implements Workload {
    static final String LOCK = "jepsen-lock";
    static final String DATA = "/jepsen/lock-data";
    static final Fn ACQUIRE = new Fn("acquire");
    static final Fn FENCED_WRITE = new Fn("fenced_write");
    static final Fn RELEASE = new Fn("release");
    static final Fn STALE_WRITE = new Fn("stale_write");
    /** Short, so that a holder cut off by a partition loses the lock within the run. */
    private static final long SESSION_TTL_MILLIS = 2_000;
    /** An acquire waits this long, then gives up (FAIL: the waiter is removed) and tries again. */
    private static final Duration ACQUIRE_WAIT = Duration.ofSeconds(2);

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
        for (int t = 0; t < concurrency; t++) {
            int first = t;
            KvClient client = clients.get(t % clients.size());
            Thread thread = new Thread(() -> {
                int[] process = {first};
                Session session = null;
                while (System.nanoTime() < end) { // bounded by the run's time
                    try {
                        if (session == null || session.state() == Session.State.EXPIRED) {
                            session = client.openSession(Duration.ofMillis(SESSION_TTL_MILLIS));
                        }
                        round(client, client.lock(LOCK, session), recorder, process, concurrency);
                    } catch (RuntimeException e) {
                        // opening the session failed (no quorum here): try again
                    }
                }
            }, "process-" + t);
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join(time.plus(ACQUIRE_WAIT).plus(RETRY_DEADLINE.multipliedBy(4)).plusSeconds(30).toMillis());
        }
    }

    private static void round(KvClient client, DistributedLock lock, HistoryRecorder recorder, int[] process,
                              int concurrency) {
        recorder.invoke(process[0], ACQUIRE, LOCK);
        FencingToken token;
        try {
            if (!lock.acquire(ACQUIRE_WAIT)) {
                recorder.fail(process[0], "timeout");
                return;
            }
            token = lock.fencingToken();
            recorder.ok(process[0], token.token());
        } catch (RuntimeException e) {
            process[0] = Workload.failed(recorder, process[0], e, concurrency);
            return;
        }
        recorder.invoke(process[0], FENCED_WRITE, LOCK, token.token());
        try {
            PutResult r = client.fenced(token).put(DATA, Long.toString(token.token()).getBytes(UTF_8),
                    PutOptions.DEFAULT.withMakeParents());
            recorder.ok(process[0], token.token(), r.stat().modRevision());
        } catch (RuntimeException e) {
            process[0] = Workload.failed(recorder, process[0], e, concurrency);
        }
        recorder.invoke(process[0], RELEASE, LOCK, token.token());
        try {
            lock.release();
            recorder.ok(process[0], token.token());
        } catch (RuntimeException e) {
            process[0] = Workload.failed(recorder, process[0], e, concurrency);
            return; // not known to be released: a write with the token may still be legitimate
        }
        recorder.invoke(process[0], STALE_WRITE, LOCK, token.token());
        try {
            client.fenced(token).put(DATA, "stale".getBytes(UTF_8), PutOptions.DEFAULT.withMakeParents());
            recorder.ok(process[0], token.token());
        } catch (RuntimeException e) {
            process[0] = Workload.failed(recorder, process[0], e, concurrency);
        }
    }
}
