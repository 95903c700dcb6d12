package io.kvstore.jepsen.workload;

import io.kvstore.client.KvAlreadyExistsException;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.KvPreconditionException;
import io.kvstore.client.KvUnavailableException;
import io.kvstore.client.KvVersionMismatchException;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.time.Duration;
import java.util.List;

/**
 * A kvstore-only workload written against {@link KvClient}: the operations client processes perform, recorded in a
 * {@link HistoryRecorder}. Workloads that run against every target implement {@link StoreWorkload}.
 */
interface Workload {
    /** One attempt; short so that a client on the wrong side of a partition gives up (INFO) and moves on. */
    Duration REQUEST_TIMEOUT = Duration.ofMillis(1000);
    /** A whole call, retries included. */
    Duration RETRY_DEADLINE = Duration.ofMillis(2000);

    /** The client process {@code t} uses when {@code t mod endpoints == member}. */
    KvClient client(List<String> endpoints, int member);

    /** Runs {@code concurrency} processes for {@code time}, then whatever final reads the checker needs. */
    void run(List<KvClient> clients, List<String> endpoints, HistoryRecorder recorder, int concurrency,
             Duration time, long seed) throws InterruptedException;

    /**
     * How a failed write is recorded: FAIL when the store definitely did not apply it (it rejected the request),
     * INFO when it may have or may still (deadline passed, member unreachable, internal error).
     */
    static boolean definitelyNotApplied(RuntimeException e) {
        return e instanceof KvVersionMismatchException || e instanceof KvNotFoundException
                || e instanceof KvPreconditionException || e instanceof KvInvalidArgumentException
                || e instanceof KvAlreadyExistsException;
    }

    /** The error for the history: the reason code when there is one, else the exception's class. */
    static String error(RuntimeException e) {
        if (e instanceof KvUnavailableException) {
            return "unavailable";
        }
        if (e instanceof KvException k && k.reason().isPresent()) {
            return k.reason().get().name();
        }
        return e.getClass().getSimpleName();
    }

    /**
     * Records a failed operation of a KvClient workload: FAIL when definitely not applied, else INFO; returns the
     * process to use next (a fresh one after an INFO, as in Jepsen).
     */
    static int failed(io.kvstore.jepsen.history.HistoryRecorder recorder, int process, RuntimeException e,
                      int concurrency) {
        if (definitelyNotApplied(e)) {
            recorder.fail(process, error(e));
            return process;
        }
        recorder.info(process, error(e));
        return process + concurrency;
    }
}
