package io.kvstore.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.store.command.CommandResult;
import io.kvstore.store.command.DedupRecord;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The exactly-once table (Raft dissertation §6.3): per client id, the highest sequence applied and its result.
 * Stored in RocksDB next to the data and changed in the same {@link WriteBatch}, so it is always consistent with the
 * applied index. Bounded by {@code clientsMax}: when a new client id would exceed it, the client id whose last write
 * has the lowest raft index is forgotten. The order depends on the log only, so every member evicts the same one.
 * Apply thread only; not thread-safe.
 */
final class DedupTable {

    private static final byte[] EMPTY = new byte[0];

    private final RocksDB db;
    private final int clientsMax;
    private long size;

    DedupTable(RocksDB db, int clientsMax) throws RocksDBException {
        if (clientsMax < 1) {
            throw new IllegalArgumentException("clientsMax must be >= 1: " + clientsMax);
        }
        this.db = db;
        this.clientsMax = clientsMax;
        this.size = StoreKeys.decodeLong(db.get(StoreKeys.DEDUP_COUNT));
    }

    /** The entry of {@code clientId}, or {@code null} when it has none (never wrote, or evicted). */
    DedupRecord find(String clientId) {
        try {
            byte[] bytes = db.get(StoreKeys.dedup(clientId));
            return bytes == null ? null : DedupRecord.parseFrom(bytes);
        } catch (RocksDBException e) {
            throw new StoreIoException("reading dedup entry of " + clientId, e);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt dedup entry of " + clientId, e);
        }
    }

    /**
     * Adds to {@code batch} the new entry of {@code clientId}, replacing {@code previous}, and evicts the oldest
     * entry if the table would grow past its bound. Returns the table size once {@code batch} is written; the
     * caller passes it to {@link #committed} after the write succeeded.
     */
    long record(WriteBatch batch, String clientId, DedupRecord previous, long sequence, long index,
            CommandResult result) throws RocksDBException {
        long newSize = size;
        if (previous != null) {
            batch.delete(StoreKeys.eviction(previous.getLastIndex(), clientId));
        } else {
            newSize++;
        }
        DedupRecord entry = DedupRecord.newBuilder().setSequence(sequence).setLastIndex(index).setResult(result)
                .build();
        batch.put(StoreKeys.dedup(clientId), entry.toByteArray());
        batch.put(StoreKeys.eviction(index, clientId), EMPTY);
        if (newSize > clientsMax) {
            // Only a new client id grows the table, and it has no stored eviction key yet, so the oldest stored
            // key is another client's.
            evictOldest(batch);
            newSize--;
        }
        batch.put(StoreKeys.DEDUP_COUNT, StoreKeys.encodeLong(newSize));
        return newSize;
    }

    /** Makes the size returned by {@link #record} current once its batch is durable in RocksDB. */
    void committed(long newSize) {
        size = newSize;
    }

    /** Number of client ids remembered. */
    long size() {
        return size;
    }

    private void evictOldest(WriteBatch batch) throws RocksDBException {
        try (RocksIterator it = db.newIterator()) {
            it.seek(StoreKeys.EVICTION_PREFIX);
            if (!it.isValid() || !StoreKeys.startsWith(it.key(), StoreKeys.EVICTION_PREFIX)) {
                throw new IllegalStateException("dedup table of size " + size + " has no eviction entries");
            }
            byte[] key = it.key();
            batch.delete(key);
            batch.delete(StoreKeys.dedup(StoreKeys.evictionClientId(key)));
        }
    }
}
