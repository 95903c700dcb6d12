package io.kvstore.jepsen.workload;

import io.kvstore.jepsen.history.HistoryRecorder;
import io.kvstore.jepsen.store.EtcdClient;
import io.kvstore.jepsen.store.KvStoreClient;
import io.kvstore.jepsen.store.StoreClient;
import io.kvstore.jepsen.store.StoreException;
import java.time.Duration;
import java.util.List;

/**
 * A workload written against {@link StoreClient}, so it runs unchanged against every target (kvstore, etcd) and
 * its history goes to the same checker. Workloads that need kvstore-only features implement {@link Workload}.
 */
interface StoreWorkload {
    /** Opens clients of the target under test. */
    record Stores(String target) {
        public Stores {
            if (!List.of("kvstore", "etcd").contains(target)) {
                throw new IllegalArgumentException("unknown target " + target);
            }
        }

        /** A client with the workload's short timeouts (a process on the wrong side gives up and goes on). */
        StoreClient open(List<String> endpoints) {
            return open(endpoints, Workload.REQUEST_TIMEOUT, Workload.RETRY_DEADLINE);
        }

        StoreClient open(List<String> endpoints, Duration requestTimeout, Duration retryDeadline) {
            return target.equals("etcd") ? new EtcdClient(endpoints, requestTimeout, retryDeadline)
                    : new KvStoreClient(endpoints, requestTimeout, retryDeadline);
        }
    }

    /**
     * Runs {@code concurrency} processes for {@code time} against the members at {@code endpoints}, then whatever
     * final reads the checker needs. Opens and closes its own clients.
     */
    void run(Stores stores, List<String> endpoints, HistoryRecorder recorder, int concurrency, Duration time,
             long seed) throws InterruptedException;

    /** Endpoints starting at {@code member}'s, so clients spread over the members and fail over in order. */
    static List<String> rotated(List<String> endpoints, int member) {
        List<String> out = new java.util.ArrayList<>(endpoints.subList(member, endpoints.size()));
        out.addAll(endpoints.subList(0, member));
        return out;
    }

    /**
     * Records a failed update: FAIL when the store definitely did not apply it, else INFO; returns the process to
     * use next (a fresh one after an INFO: a process with an operation of unknown outcome never returns, as in
     * Jepsen).
     */
    static int failed(HistoryRecorder recorder, int process, StoreException e, int concurrency) {
        if (e.definitelyNotApplied()) {
            recorder.fail(process, e.error());
            return process;
        }
        recorder.info(process, e.error());
        return process + concurrency;
    }
}
