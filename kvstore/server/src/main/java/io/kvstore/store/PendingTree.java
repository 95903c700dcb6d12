package io.kvstore.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.store.command.ZnodeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The tree as one command sees it: RocksDB's state with the command's own changes laid over it. Changes stay in
 * memory until {@link #writeTo}, so a failing command (or txn operation) is dropped by not writing them: that is
 * the whole all-or-nothing mechanism. Used by the apply thread only; not thread-safe.
 */
final class PendingTree {

    private final RocksDB db;
    private final ReadOptions readOptions;
    /** Key to new record; a {@code null} value is a deletion. Sorted like RocksDB (unsigned bytes). */
    private final TreeMap<ByteString, ZnodeRecord> pending =
            new TreeMap<>(ByteString.unsignedLexicographicalComparator());

    PendingTree(RocksDB db, ReadOptions readOptions) {
        this.db = db;
        this.readOptions = readOptions;
    }

    /** The znode at {@code path}, or {@code null}. */
    ZnodeRecord get(ZPath path) {
        ByteString key = StoreKeys.znode(path);
        if (pending.containsKey(key)) {
            return pending.get(key);
        }
        return read(db, readOptions, key);
    }

    void put(ZPath path, ZnodeRecord record) {
        pending.put(StoreKeys.znode(path), record);
    }

    void delete(ZPath path) {
        pending.put(StoreKeys.znode(path), null);
    }

    /** Whether this command changed anything. */
    boolean changed() {
        return !pending.isEmpty();
    }

    /**
     * Names of {@code path}'s children in byte order, at most {@code max + 1} of them (so a caller can tell
     * "more than max" without reading a huge directory).
     */
    List<String> children(ZPath path, int max) {
        ByteString prefix = StoreKeys.childrenPrefix(path);
        Map<ByteString, ZnodeRecord> overlay = pending.subMap(prefix, StoreKeys.prefixEnd(prefix));
        TreeSet<String> names = new TreeSet<>();
        byte[] prefixBytes = prefix.toByteArray();
        // Pending deletions may hide up to overlay.size() stored names; read enough to still see max + 1.
        long readMax = (long) max + 1 + overlay.size();
        try (RocksIterator it = db.newIterator(readOptions)) {
            for (it.seek(prefixBytes); it.isValid() && names.size() < readMax; it.next()) {
                byte[] key = it.key();
                if (!StoreKeys.startsWith(key, prefixBytes)) {
                    break;
                }
                names.add(new String(key, prefixBytes.length, key.length - prefixBytes.length,
                        java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        for (Map.Entry<ByteString, ZnodeRecord> e : overlay.entrySet()) {
            String name = e.getKey().substring(prefix.size()).toStringUtf8();
            if (e.getValue() == null) {
                names.remove(name);
            } else {
                names.add(name);
            }
        }
        List<String> out = new ArrayList<>(Math.min(names.size(), max + 1));
        for (String name : names) {
            if (out.size() > max) {
                break;
            }
            out.add(name);
        }
        return out;
    }

    /** The pending changes by znode key ({@code null} value: deleted), read-only, for {@link ChangeHistory}. */
    Map<ByteString, ZnodeRecord> pendingChanges() {
        return java.util.Collections.unmodifiableMap(pending);
    }

    /** Adds every change to {@code batch}. */
    void writeTo(WriteBatch batch) throws RocksDBException {
        for (Map.Entry<ByteString, ZnodeRecord> e : pending.entrySet()) {
            if (e.getValue() == null) {
                batch.delete(e.getKey().toByteArray());
            } else {
                batch.put(e.getKey().toByteArray(), e.getValue().toByteArray());
            }
        }
    }

    /** Reads one stored znode record; {@code null} when absent. */
    static ZnodeRecord read(RocksDB db, ReadOptions readOptions, ByteString key) {
        try {
            byte[] bytes = db.get(readOptions, key.toByteArray());
            return bytes == null ? null : ZnodeRecord.parseFrom(bytes);
        } catch (RocksDBException e) {
            throw new StoreIoException("reading " + key, e);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt znode record at " + key, e);
        }
    }
}
