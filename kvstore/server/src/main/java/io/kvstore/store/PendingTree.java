package io.kvstore.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.store.command.SessionRecord;
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
 *
 * <p>Sessions and the two indexes ({@link StoreKeys#owned}, {@link StoreKeys#ttl}) are pending here too, and
 * {@link #put} and {@link #delete} keep the indexes and each session's ephemeral count in step with the znodes, so
 * every way a znode goes (delete, recursive delete, session end, TTL expiry) cleans up after it.
 */
final class PendingTree {

    private final RocksDB db;
    private final ReadOptions readOptions;
    /** Key to new record; a {@code null} value is a deletion. Sorted like RocksDB (unsigned bytes). */
    private final TreeMap<ByteString, ZnodeRecord> pending =
            new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    /** Sessions and index keys; a {@code null} value is a deletion. */
    private final TreeMap<ByteString, byte[]> side = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    /** Stored bytes (key plus record) of each znode key before this command first touched it; for the tree size. */
    private long originalBytes;
    private static final byte[] EMPTY = new byte[0];

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

    /** Stores {@code record}; a new ephemeral znode counts against its session, which the caller checked. */
    void put(ZPath path, ZnodeRecord record) {
        ZnodeRecord previous = get(path);
        if (previous == null && record.getEphemeralSessionId() != 0) {
            long id = record.getEphemeralSessionId();
            SessionRecord session = session(id);
            if (session == null) {
                throw new IllegalStateException("ephemeral " + path + " of session " + id + ", which is not live");
            }
            putSession(id, session.toBuilder().setEphemeralCount(session.getEphemeralCount() + 1).build());
            side.put(StoreKeys.owned(id, path), EMPTY);
        }
        if (record.getTtlMillis() != 0) {
            side.put(StoreKeys.ttl(path), EMPTY);
        }
        touch(StoreKeys.znode(path), previous);
        pending.put(StoreKeys.znode(path), record);
    }

    /** Deletes the znode at {@code path} (which must exist) and its index entries. */
    void delete(ZPath path) {
        ZnodeRecord previous = get(path);
        if (previous.getEphemeralSessionId() != 0) {
            long id = previous.getEphemeralSessionId();
            side.put(StoreKeys.owned(id, path), null);
            SessionRecord session = session(id);
            if (session != null) {
                putSession(id, session.toBuilder().setEphemeralCount(session.getEphemeralCount() - 1).build());
            }
        }
        if (previous.getTtlMillis() != 0) {
            side.put(StoreKeys.ttl(path), null);
        }
        touch(StoreKeys.znode(path), previous);
        pending.put(StoreKeys.znode(path), null);
    }

    /** Remembers what a key held in RocksDB when this command first changes it ({@code previous} came from there). */
    private void touch(ByteString key, ZnodeRecord previous) {
        if (!pending.containsKey(key) && previous != null) {
            originalBytes += StoreKeys.znodeBytes(key, previous);
        }
    }

    /** How many bytes the znodes this command changed occupy after it, minus before it (see KvStateMachine#treeBytes). */
    long treeBytesDelta() {
        long after = 0;
        for (Map.Entry<ByteString, ZnodeRecord> e : pending.entrySet()) {
            if (e.getValue() != null) {
                after += StoreKeys.znodeBytes(e.getKey(), e.getValue());
            }
        }
        return after - originalBytes;
    }

    /** Whether this command changed the tree (sessions alone do not bump the revision). */
    boolean changed() {
        return !pending.isEmpty();
    }

    /** The live session {@code id}, or {@code null}. */
    SessionRecord session(long id) {
        ByteString key = StoreKeys.session(id);
        byte[] bytes;
        if (side.containsKey(key)) {
            bytes = side.get(key);
        } else {
            try {
                bytes = db.get(readOptions, key.toByteArray());
            } catch (RocksDBException e) {
                throw new StoreIoException("reading session " + id, e);
            }
        }
        try {
            return bytes == null ? null : SessionRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt session record " + id, e);
        }
    }

    void putSession(long id, SessionRecord record) {
        side.put(StoreKeys.session(id), record.toByteArray());
    }

    void deleteSession(long id) {
        side.put(StoreKeys.session(id), null);
    }

    /**
     * Paths of the stored ephemeral znodes of session {@code id}, at most {@code max}. Reads the stored index only:
     * call before this command changes the session's znodes.
     */
    List<ZPath> storedEphemeralsOf(long id, int max) {
        byte[] prefix = StoreKeys.ownedPrefix(id).toByteArray();
        List<ZPath> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(readOptions)) {
            for (it.seek(prefix); it.isValid() && StoreKeys.startsWith(it.key(), prefix) && out.size() < max;
                    it.next()) {
                byte[] key = it.key();
                out.add(ZPath.parse(new String(key, prefix.length, key.length - prefix.length,
                        java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
        return out;
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
        for (Map.Entry<ByteString, byte[]> e : side.entrySet()) {
            if (e.getValue() == null) {
                batch.delete(e.getKey().toByteArray());
            } else {
                batch.put(e.getKey().toByteArray(), e.getValue());
            }
        }
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
