package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogStore} that writes a write-ahead log of segment files through a {@link Disk} (format in
 * {@link WalFormat}).
 *
 * <p><b>Buffering.</b> {@link #append} and {@link #saveHardState} only encode into an in-memory batch;
 * {@link #sync()} writes the batch (entries, the last hard state, a SYNC marker) with one write and one fsync
 * (group commit). So nothing reaches the file before {@code sync()}, and a crash loses exactly the batch in flight,
 * or keeps all of it if its marker made it to disk.
 *
 * <p><b>Segments.</b> A batch never spans two segments. At the start of a {@code sync()}, once the current segment
 * has reached {@code segmentBytesMax}, the next segment is created (header forced, then the directory synced). The
 * first batch of every segment repeats the hard state, so later compaction (snapshots) can delete whole segments
 * whose entries all lie below the snapshot index without losing it; it will also need each segment's first index,
 * which recovery can record. Compaction is not built yet.
 *
 * <p><b>Errors.</b> {@link IOException} from the disk leaves the store failed: every later call throws
 * {@link IllegalStateException}; the runtime stops the member, and a restart recovers. {@link CorruptLogException}
 * from {@link #recover()} means the member must not start.
 *
 * <p>Not thread-safe: one owner thread (the member's event loop). The caller closes the store; the store closes the
 * files it opened, never the {@link Disk}.
 */
public final class SegmentedLogStore implements LogStore {
    /** Default segment size: large enough that rolling (a create plus two fsyncs) is rare, small enough to delete. */
    public static final long SEGMENT_BYTES_MAX_DEFAULT = 64L << 20;
    private static final long SEGMENT_BYTES_MAX_LIMIT = 1L << 30;
    private static final int BATCH_BYTES_INITIAL = 64 << 10;
    private static final Logger LOG = LoggerFactory.getLogger(SegmentedLogStore.class);

    private enum Phase { NEW, OPEN, FAILED, CLOSED }

    private final Disk disk;
    private final long segmentBytesMax;
    private final BatchEncoder batch = new BatchEncoder(BATCH_BYTES_INITIAL);
    private Phase phase = Phase.NEW;
    private DiskFile segment; // null until the first segment exists
    private long segmentSequence;
    private long segmentBytes;
    private boolean segmentHasHardState;
    private long lastIndex; // includes entries appended but not yet synced
    private HardState syncedHardState = HardState.EMPTY;
    private HardState pendingHardState; // null: unchanged since the last sync

    /** A store with {@link #SEGMENT_BYTES_MAX_DEFAULT}-byte segments. */
    public SegmentedLogStore(Disk disk) {
        this(disk, SEGMENT_BYTES_MAX_DEFAULT);
    }

    /**
     * @param disk where the segments live; the store neither closes nor shares it
     * @param segmentBytesMax size in bytes after which the next batch starts a new segment, in
     *     (16, 1 GiB]; small values only make sense in tests
     */
    public SegmentedLogStore(Disk disk, long segmentBytesMax) {
        this.disk = Objects.requireNonNull(disk, "disk");
        if (segmentBytesMax <= WalFormat.SEGMENT_HEADER_BYTES || segmentBytesMax > SEGMENT_BYTES_MAX_LIMIT) {
            throw new IllegalArgumentException("segmentBytesMax must be in (" + WalFormat.SEGMENT_HEADER_BYTES
                    + ", " + SEGMENT_BYTES_MAX_LIMIT + "]: " + segmentBytesMax);
        }
        this.segmentBytesMax = segmentBytesMax;
    }

    /**
     * {@inheritDoc} Cuts an unacknowledged tail off the last segment (one WARN line) and deletes a last segment
     * whose creation was interrupted, so later appends continue after the last durable record.
     *
     * @throws IllegalStateException if called twice or after a write
     */
    @Override
    public RecoveredLog recover() throws IOException {
        requirePhase(Phase.NEW);
        LogRecovery.Result result;
        try {
            result = new LogRecovery(disk).run();
        } catch (IOException | RuntimeException e) {
            phase = Phase.FAILED;
            throw e;
        }
        segment = result.lastFile();
        segmentSequence = result.lastSequence();
        segmentBytes = result.lastSize();
        segmentHasHardState = result.lastHasHardState();
        lastIndex = result.entries().size();
        syncedHardState = result.hardState();
        phase = Phase.OPEN;
        LOG.info("raft log {} recovered: {} entries, last segment {}, {}", disk, lastIndex, segmentSequence,
                syncedHardState);
        return new RecoveredLog(result.hardState(), result.entries());
    }

    /**
     * {@inheritDoc} Encodes into the pending batch only; durable after {@link #sync()}.
     *
     * @throws IllegalArgumentException if indexes are not consecutive, the first leaves a gap after the last
     *     index, or an entry's data exceeds 64 MiB
     */
    @Override
    public void append(List<Entry> entries) throws IOException {
        requirePhase(Phase.OPEN);
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first > lastIndex + 1) {
            throw new IllegalArgumentException("entries start at " + first + ", after a gap: last index is " + lastIndex);
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != first + i) {
                throw new IllegalArgumentException("entry indexes not consecutive at " + entries.get(i).index());
            }
        }
        for (Entry entry : entries) {
            batch.entry(entry);
        }
        lastIndex = first + entries.size() - 1;
    }

    /** {@inheritDoc} Only the last hard state before a sync is written. */
    @Override
    public void saveHardState(HardState hardState) {
        requirePhase(Phase.OPEN);
        pendingHardState = Objects.requireNonNull(hardState, "hardState");
    }

    /** {@inheritDoc} Does nothing, not even an fsync, when nothing was appended or saved since the last sync. */
    @Override
    public void sync() throws IOException {
        requirePhase(Phase.OPEN);
        if (batch.size() == 0 && pendingHardState == null) {
            return;
        }
        try {
            if (segment == null || segmentBytes >= segmentBytesMax) {
                roll();
            }
            HardState hardState = pendingHardState != null ? pendingHardState : syncedHardState;
            if (pendingHardState != null || !segmentHasHardState) {
                batch.hardState(hardState);
            }
            batch.syncMarker(segmentBytes + batch.size(), segmentSequence);
            int bytes = batch.size();
            segment.append(batch.flip());
            segment.force();
            batch.clear();
            segmentBytes += bytes;
            segmentHasHardState = true;
            syncedHardState = hardState;
            pendingHardState = null;
        } catch (IOException | RuntimeException e) {
            // The file may hold part of the batch: only recovery knows where the durable log ends now.
            phase = Phase.FAILED;
            throw e;
        }
    }

    /** Closes the current segment. Unsynced appends are dropped, as a crash would. Idempotent. */
    @Override
    public void compact(SnapshotMeta snapshot) {
        throw new UnsupportedOperationException("log compaction is being implemented");
    }

    @Override
    public void installSnapshot(SnapshotMeta snapshot) {
        throw new UnsupportedOperationException("snapshot installation is being implemented");
    }

    @Override
    public void close() throws IOException {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        if (segment != null) {
            segment.close();
            segment = null;
        }
    }

    /** Starts the next segment; its header is durable and its name is in the directory before any record. */
    private void roll() throws IOException {
        if (segment != null) {
            segment.close();
            segment = null;
        }
        long sequence = segmentSequence + 1;
        String name = WalFormat.segmentName(sequence);
        DiskFile next = disk.open(name);
        if (next.size() != 0) {
            next.close();
            throw new IllegalStateException("new segment " + name + " already has " + next.size() + " bytes");
        }
        segment = next;
        segmentSequence = sequence;
        segment.append(WalFormat.encodeHeader(sequence));
        segment.force();
        disk.syncDirectory();
        segmentBytes = WalFormat.SEGMENT_HEADER_BYTES;
        segmentHasHardState = false;
        LOG.info("raft log {} started segment {}", disk, name);
    }

    private void requirePhase(Phase expected) {
        if (phase != expected) {
            throw new IllegalStateException("log store is " + phase + ", expected " + expected
                    + (phase == Phase.FAILED ? ": an earlier disk error left it unusable, restart and recover" : ""));
        }
    }
}
