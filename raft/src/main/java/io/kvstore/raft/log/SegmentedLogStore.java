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
 * <p><b>Buffering.</b> {@link #append}, {@link #saveHardState}, {@link #compact} and {@link #installSnapshot}
 * only encode into an in-memory batch, in call order; {@link #sync()} writes the batch (entries and snapshot
 * markers, the last hard state, a SYNC marker) with one write and one fsync (group commit). So nothing reaches the
 * file before {@code sync()}, and a crash loses exactly the batch in flight, or keeps all of it if its marker made
 * it to disk. The store keeps no entries in memory, only indexes.
 *
 * <p><b>Segments.</b> A batch never spans two segments. At the start of a {@code sync()}, once the current segment
 * has reached {@code segmentBytesMax}, the next segment is created (header forced, then the directory synced). The
 * first batch of every segment repeats the hard state, so the latest hard state is always in the last segment.
 *
 * <p><b>Compaction.</b> A snapshot marker is a record of its batch. Once a {@code sync()} has made one durable, the
 * store deletes segments from the front while the first segment is older than the marker's segment and every entry
 * in it that may still be live is at or below the marker's index ({@link SegmentEntryIndexes}, in memory, rebuilt
 * by recovery). The latest marker and hard state thus stay in kept segments. Each deletion is followed by a
 * directory sync, oldest first, so a crash can only leave a shorter gap at the front, which recovery accepts
 * because a durable marker covers it; {@link #recover()} finishes deletions a crash interrupted.
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
    private SegmentEntryIndexes segments = new SegmentEntryIndexes();
    private long batchEntryIndexMax; // highest live entry index in the pending batch, 0 if none
    private long snapshotIndex; // of the latest compact or install, synced or not
    private SnapshotMeta pendingSnapshot; // last marker in the pending batch, null if none
    private SnapshotMeta syncedSnapshot = SnapshotMeta.NONE;
    private long syncedSnapshotSequence; // segment holding the latest durable marker, 0 if none

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
     * whose creation was interrupted, so later appends continue after the last durable record. Finishes the
     * deletion of compacted segments if a crash interrupted it.
     *
     * @throws IllegalStateException if called twice or after a write
     */
    @Override
    public RecoveredLog recover() throws IOException {
        requirePhase(Phase.NEW);
        LogRecovery.Result result;
        LogReplay log;
        try {
            result = new LogRecovery(disk).run();
            log = result.log();
            segment = result.lastFile();
            segmentSequence = result.lastSequence();
            segmentBytes = result.lastSize();
            segmentHasHardState = result.lastHasHardState();
            segments = log.segments();
            syncedSnapshot = log.snapshot();
            syncedSnapshotSequence = log.snapshotSequence();
            snapshotIndex = syncedSnapshot.index();
            lastIndex = snapshotIndex + log.entries().size();
            syncedHardState = log.hardState();
            deleteCompactedSegments();
        } catch (IOException | RuntimeException e) {
            phase = Phase.FAILED;
            throw e;
        }
        phase = Phase.OPEN;
        LOG.info("raft log {} recovered: snapshot at {}, entries up to {}, segments {}..{}, {}", disk, snapshotIndex,
                lastIndex, segments.count() == 0 ? 0 : segments.firstSequence(), segmentSequence, syncedHardState);
        return new RecoveredLog(syncedHardState, syncedSnapshot, log.entries());
    }

    /**
     * {@inheritDoc} Encodes into the pending batch only; durable after {@link #sync()}.
     *
     * @throws IllegalArgumentException if indexes are not consecutive, the first leaves a gap after the last
     *     index or is at or below the snapshot index (compacted entries cannot be replaced), or an entry's data
     *     exceeds 64 MiB
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
        if (first <= snapshotIndex) {
            throw new IllegalArgumentException("entries start at " + first + ", at or below the snapshot index "
                    + snapshotIndex);
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != first + i) {
                throw new IllegalArgumentException("entry indexes not consecutive at " + entries.get(i).index());
            }
        }
        for (Entry entry : entries) {
            batch.entry(entry);
        }
        if (first <= lastIndex) {
            // Synced segments may hold the cut suffix: those entries can never come back, so they pin nothing.
            segments.discardFrom(first);
        }
        lastIndex = first + entries.size() - 1;
        batchEntryIndexMax = lastIndex; // every live entry of the batch is at or below the log's last index
    }

    /** {@inheritDoc} Only the last hard state before a sync is written. */
    @Override
    public void saveHardState(HardState hardState) {
        requirePhase(Phase.OPEN);
        pendingHardState = Objects.requireNonNull(hardState, "hardState");
    }

    /**
     * {@inheritDoc} Does nothing, not even an fsync, when nothing was written since the last sync. When the batch
     * held a snapshot marker, then deletes the segments it made useless (a directory sync per segment).
     */
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
            segments.entry(segmentSequence, batchEntryIndexMax);
            batchEntryIndexMax = 0;
            if (pendingSnapshot != null) {
                syncedSnapshot = pendingSnapshot;
                syncedSnapshotSequence = segmentSequence;
                pendingSnapshot = null;
                deleteCompactedSegments();
            }
        } catch (IOException | RuntimeException e) {
            // The file may hold part of the batch: only recovery knows where the durable log ends now.
            phase = Phase.FAILED;
            throw e;
        }
    }

    /**
     * {@inheritDoc} Writes a compact marker into the pending batch; the segments it frees are deleted by the
     * {@link #sync()} that makes it durable.
     *
     * @throws IllegalArgumentException if {@code snapshot.index()} is below the current snapshot index (snapshots
     *     never go back) or beyond the last index (a snapshot of entries this log does not have is installed with
     *     {@link #installSnapshot}), or its membership encodes to more than 64 KiB
     */
    @Override
    public void compact(SnapshotMeta snapshot) {
        requirePhase(Phase.OPEN);
        Objects.requireNonNull(snapshot, "snapshot");
        requireNotBehind(snapshot);
        if (snapshot.index() > lastIndex) {
            throw new IllegalArgumentException("snapshot index " + snapshot.index() + " is beyond the last index "
                    + lastIndex + ": use installSnapshot");
        }
        batch.snapshot(snapshot, false);
        snapshotIndex = snapshot.index();
        pendingSnapshot = snapshot;
    }

    /**
     * {@inheritDoc} Writes an install marker into the pending batch; the next append must start at
     * {@code snapshot.index() + 1}.
     *
     * @throws IllegalArgumentException if {@code snapshot.index()} is below the current snapshot index (a stale
     *     snapshot: the caller ignores it), or its membership encodes to more than 64 KiB
     */
    @Override
    public void installSnapshot(SnapshotMeta snapshot) {
        requirePhase(Phase.OPEN);
        Objects.requireNonNull(snapshot, "snapshot");
        requireNotBehind(snapshot);
        batch.snapshot(snapshot, true);
        segments.discardFrom(1); // every entry written so far is dead
        batchEntryIndexMax = 0;
        snapshotIndex = snapshot.index();
        lastIndex = snapshot.index();
        pendingSnapshot = snapshot;
    }

    /** Closes the current segment. Unsynced writes are dropped, as a crash would. Idempotent. */
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
        segments.add(sequence);
        LOG.info("raft log {} started segment {}", disk, name);
    }

    /**
     * Deletes the first segment while no record in it is needed: it is older than the segment holding the latest
     * durable snapshot marker (so that marker, the latest hard state and the last segment stay), and every entry in
     * it that may still be live is at or below the marker's index. Why a directory sync after each deletion rather
     * than one at the end: unsynced deletions may survive a crash in any combination, which could leave a gap in
     * the middle of the sequence; synced one by one, oldest first, a crash leaves a gap only at the front. Loops at
     * most once per segment.
     */
    private void deleteCompactedSegments() throws IOException {
        while (segments.count() > 1 && segments.firstSequence() < syncedSnapshotSequence
                && segments.firstIndexMax() <= syncedSnapshot.index()) {
            long sequence = segments.firstSequence();
            String name = WalFormat.segmentName(sequence);
            disk.delete(name);
            disk.syncDirectory();
            segments.removeFirst();
            LOG.info("raft log {} deleted segment {}: its entries are in the snapshot at {}", disk, name,
                    syncedSnapshot.index());
        }
    }

    private void requireNotBehind(SnapshotMeta snapshot) {
        if (snapshot.index() < snapshotIndex) {
            throw new IllegalArgumentException("snapshot index " + snapshot.index() + " is below the current snapshot "
                    + "index " + snapshotIndex);
        }
    }

    private void requirePhase(Phase expected) {
        if (phase != expected) {
            throw new IllegalStateException("log store is " + phase + ", expected " + expected
                    + (phase == Phase.FAILED ? ": an earlier disk error left it unusable, restart and recover" : ""));
        }
    }
}
