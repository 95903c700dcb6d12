package io.kvstore.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.v1.EventType;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.store.command.HistoryRecord;
import io.kvstore.store.command.ZnodeRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;

/**
 * The bounded watch history in RocksDB: key {@code 'h:' revision(8 bytes, big-endian)} holds the
 * {@link HistoryRecord} of that revision, written in the same WriteBatch as the change, so the history is exactly
 * the applied changes on every member, survives restarts and travels in snapshots. A revision without events has
 * no record. {@code m:history_compacted} is the highest revision whose record may be gone: every revision above it
 * is complete.
 *
 * <p>{@link #events} and {@link #writeAndTrim} run on the apply thread only; {@link #read} on any thread (it reads
 * one snapshot).
 */
final class ChangeHistory {

    static final byte[] PREFIX = "h:".getBytes(StandardCharsets.US_ASCII);
    static final byte[] COMPACTED = "m:history_compacted".getBytes(StandardCharsets.US_ASCII);
    /** Records trimmed per applied change at most: bounds the apply latency a backlog of trimming can add, while
     *  still trimming faster (1,000 per write) than writes add (one per write). */
    static final int TRIM_STEP_MAX = 1_000;
    /** Old values kept per revision. A recursive delete of 10,000 znodes of 1 MiB would otherwise store 10 GiB in
     *  one record; beyond this the events say prev_value_omitted. */
    static final long PREV_VALUE_BYTES_MAX = 16L << 20;

    private final RocksDB db;
    private final HistoryBounds bounds;
    private long compactedThrough;

    ChangeHistory(RocksDB db, HistoryBounds bounds, long currentRevision) throws RocksDBException {
        this.db = db;
        this.bounds = bounds;
        byte[] stored = db.get(COMPACTED);
        if (stored == null) {
            // A store older than the history (or new, at 0): nothing before now can be replayed.
            compactedThrough = currentRevision;
            db.put(COMPACTED, StoreKeys.encodeLong(compactedThrough));
        } else {
            compactedThrough = StoreKeys.decodeLong(stored);
        }
    }

    static byte[] key(long revision) {
        return ByteBuffer.allocate(PREFIX.length + 8).put(PREFIX).putLong(revision).array();
    }

    /**
     * The events of a command's pending changes at {@code revision}: per changed znode, compared with its stored
     * record. Order: DELETED deepest first, then CREATED shallowest first, then UPDATED, each by path; a znode
     * deleted and created again in one txn yields DELETED then CREATED. Metadata-only changes (a parent's child
     * count) are no events.
     */
    static List<WatchEvent> events(PendingTree tree, RocksDB db, ReadOptions read, long revision) {
        List<WatchEvent> deleted = new ArrayList<>();
        List<WatchEvent> created = new ArrayList<>();
        List<WatchEvent> updated = new ArrayList<>();
        long prevBytes = 0;
        for (Map.Entry<ByteString, ZnodeRecord> change : tree.pendingChanges().entrySet()) {
            String path = pathOf(change.getKey());
            if (path == null) {
                continue; // the root: only its metadata ever changes
            }
            ZnodeRecord before = PendingTree.read(db, read, change.getKey());
            ZnodeRecord after = change.getValue();
            boolean recreated = before != null && after != null
                    && before.getCreateRevision() != after.getCreateRevision();
            if (before != null && (after == null || recreated)) {
                WatchEvent.Builder e = event(EventType.DELETED, path, revision);
                prevBytes += withPrev(e, before, prevBytes);
                deleted.add(e.build());
            }
            if (after != null && (before == null || recreated)) {
                created.add(event(EventType.CREATED, path, revision).setValue(after.getData())
                        .setStat(CommandExecutor.stat(after)).build());
            } else if (after != null && before.getVersion() != after.getVersion()) {
                WatchEvent.Builder e = event(EventType.UPDATED, path, revision).setValue(after.getData())
                        .setStat(CommandExecutor.stat(after));
                prevBytes += withPrev(e, before, prevBytes);
                updated.add(e.build());
            }
        }
        Comparator<WatchEvent> byPath = Comparator.comparing(WatchEvent::getPath);
        deleted.sort(Comparator.comparingInt((WatchEvent e) -> -depth(e.getPath())).thenComparing(byPath));
        created.sort(Comparator.comparingInt((WatchEvent e) -> depth(e.getPath())).thenComparing(byPath));
        updated.sort(byPath);
        List<WatchEvent> all = new ArrayList<>(deleted);
        all.addAll(created);
        all.addAll(updated);
        return all;
    }

    /** Adds {@code events} (if any) at {@code revision} and trims by the bounds, all into {@code batch}. */
    void writeAndTrim(WriteBatch batch, long revision, List<WatchEvent> events, long nowMillis)
            throws RocksDBException {
        if (!events.isEmpty()) {
            batch.put(key(revision), HistoryRecord.newBuilder().setRevision(revision).setAppliedAtMillis(nowMillis)
                    .addAllEvents(events).build().toByteArray());
        }
        long trimBelowOrAt = revision - bounds.revisionsMax();
        long tooOldMillis = nowMillis - bounds.age().toMillis();
        long newCompacted = Math.max(compactedThrough, trimBelowOrAt);
        try (RocksIterator it = db.newIterator()) {
            int trimmed = 0;
            for (it.seek(key(compactedThrough + 1)); it.isValid() && trimmed < TRIM_STEP_MAX; it.next()) {
                byte[] k = it.key();
                if (!StoreKeys.startsWith(k, PREFIX)) {
                    break;
                }
                long r = ByteBuffer.wrap(k, PREFIX.length, 8).getLong();
                if (r > trimBelowOrAt && appliedAtMillis(it.value()) >= tooOldMillis) {
                    break;
                }
                batch.delete(k);
                newCompacted = Math.max(newCompacted, r);
                trimmed++;
            }
        }
        if (newCompacted != compactedThrough) {
            batch.put(COMPACTED, StoreKeys.encodeLong(newCompacted));
        }
        pendingCompacted = newCompacted;
    }

    private long pendingCompacted;

    /** The batch of the last {@link #writeAndTrim} was written. */
    void committed() {
        compactedThrough = pendingCompacted;
    }

    /** What {@link #read} found. */
    sealed interface Read permits Records, Compacted { }

    /**
     * Records of revisions in {@code [from, throughRevision]}: every revision in that range without a record had no
     * events. {@code throughRevision} may be below the requested end when a size bound stopped the read.
     */
    record Records(List<HistoryRecord> records, long throughRevision) implements Read { }

    /** {@code from} is no longer in history; {@code oldestRevision} is the oldest start revision that is. */
    record Compacted(long oldestRevision) implements Read { }

    /**
     * Reads the records of {@code [from, to]} from one snapshot, at most {@code recordsMax} and about
     * {@code bytesMax} bytes (at least one record).
     */
    static Read read(RocksDB db, long from, long to, int recordsMax, long bytesMax) {
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions read = new ReadOptions().setSnapshot(snapshot); RocksIterator it = db.newIterator(read)) {
            long compacted = StoreKeys.decodeLong(db.get(read, COMPACTED));
            if (from <= compacted) {
                return new Compacted(compacted + 1);
            }
            List<HistoryRecord> records = new ArrayList<>();
            long bytes = 0;
            for (it.seek(key(from)); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (!StoreKeys.startsWith(k, PREFIX)) {
                    break;
                }
                long r = ByteBuffer.wrap(k, PREFIX.length, 8).getLong();
                if (r > to) {
                    break;
                }
                if (!records.isEmpty() && (records.size() >= recordsMax || bytes >= bytesMax)) {
                    return new Records(records, r - 1);
                }
                byte[] value = it.value();
                records.add(HistoryRecord.parseFrom(value));
                bytes += value.length;
            }
            return new Records(records, to);
        } catch (RocksDBException e) {
            throw new StoreIoException("reading watch history from " + from, e);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt watch history record at or after " + from, e);
        } finally {
            db.releaseSnapshot(snapshot);
        }
    }

    /** Field 2 of a HistoryRecord without parsing its events (fields are written in number order). */
    private static long appliedAtMillis(byte[] record) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(record);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag >>> 3 == HistoryRecord.APPLIED_AT_MILLIS_FIELD_NUMBER) {
                    return in.readInt64();
                }
                in.skipField(tag);
            }
            return 0;
        } catch (IOException e) {
            throw new StoreIoException("corrupt watch history record", e);
        }
    }

    private static WatchEvent.Builder event(EventType type, String path, long revision) {
        return WatchEvent.newBuilder().setType(type).setPath(path).setRevision(revision);
    }

    /** Sets the previous value and stat, or marks it omitted past the per-revision bound; returns bytes added. */
    private static long withPrev(WatchEvent.Builder e, ZnodeRecord before, long prevBytesSoFar) {
        e.setPrevStat(CommandExecutor.stat(before));
        if (prevBytesSoFar + before.getData().size() > PREV_VALUE_BYTES_MAX) {
            e.setPrevValueOmitted(true);
            return 0;
        }
        e.setPrevValue(before.getData());
        return before.getData().size();
    }

    /** The path of a znode key ({@link StoreKeys#znode}); {@code null} for the root. */
    static String pathOf(ByteString key) {
        byte[] k = key.toByteArray();
        if (k.length == 1) {
            return null;
        }
        int separator = -1;
        for (int i = k.length - 1; i > 0; i--) {
            if (k[i] == 0) {
                separator = i;
                break;
            }
        }
        String parent = new String(k, 1, separator - 1, StandardCharsets.US_ASCII);
        String name = new String(k, separator + 1, k.length - separator - 1, StandardCharsets.US_ASCII);
        return parent.equals("/") ? "/" + name : parent + "/" + name;
    }

    private static int depth(String path) {
        int d = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                d++;
            }
        }
        return d;
    }
}
