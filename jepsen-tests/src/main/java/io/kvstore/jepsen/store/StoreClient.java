package io.kvstore.jepsen.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the workloads need from a store under test, so that one workload and one checker serve kvstore and etcd
 * alike. Keys are paths such as {@code /jepsen/r0}; values are decimal longs. Every call either returns, or throws
 * {@link StoreException} saying whether it certainly took no effect. Implementations: {@link KvStoreClient}
 * (kvstore's own KvClient), {@link EtcdClient} (etcd's JSON gateway). Thread-safe.
 */
public interface StoreClient extends AutoCloseable {
    /**
     * A key's value, the token a compare-and-set compares (kvstore: znode version; etcd: mod_revision) and the store
     * revision of its last change.
     */
    record Versioned(long value, long version, long modRevision) {
    }

    /** One change a watch delivered: the store revision, the key and the value written (puts only). */
    record Change(long revision, String key, long value) {
    }

    /** Receives a watch's changes in delivery order, one batch per revision, and the end of the watch. */
    interface WatchSink {
        void changes(List<Change> changes);

        /** The watch ended for good: history compacted past the resume point, or refused. */
        void ended(String reason);
    }

    /** A running watch or session; closing it is idempotent. */
    interface Handle extends AutoCloseable {
        @Override
        void close();
    }

    /** The key's value, or empty when absent; {@code linearizable} false allows a stale, local read. */
    Optional<Versioned> read(String key, boolean linearizable);

    /** Sets the key (creating it and its parents as needed); returns the revision of the write. */
    long write(String key, long value);

    /** Sets the key only if its version is still {@code version}; throws (definitely not applied) otherwise. */
    void compareAndSet(String key, long version, long value);

    /** Creates the key, which must not exist (an existing key counts as success: each element is added once). */
    void create(String key, long value);

    /** The names directly under {@code prefix} (the part after {@code prefix + "/"}), linearizable. */
    List<String> list(String prefix);

    /**
     * Watches every key directly under {@code prefix} from {@code fromRevision} (at least 1), resuming after a lost
     * connection from the last delivered revision + 1, on the next endpoint, until closed.
     */
    Handle watch(String prefix, long fromRevision, WatchSink sink);

    /**
     * Creates {@code key} bound to a new session (kvstore) or lease (etcd) of {@code ttl}, kept alive in the
     * background until the handle is closed or the process dies; then the store removes the key after the TTL.
     */
    Handle ephemeral(String key, long value, Duration ttl);

    @Override
    void close();
}
