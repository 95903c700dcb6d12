package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * The log that durable records describe, applied in file order: {@link LogRecovery} decodes bytes and feeds each
 * synced batch here; this class knows nothing of bytes. Each method returns null, or the reason the record cannot
 * follow what came before (which recovery reports as corruption at the record's file and offset).
 *
 * <p><b>Missing front.</b> When compaction has deleted the first segments, replay starts in the middle of the
 * history: the entries that the deleted segments held are unknown. Until the first entry or install marker, the
 * log's start is unknown ({@code frontUnknown}); the first entry then fixes it, and the entries between the
 * snapshot and that entry count as missing ({@code base > snapshot.index()}). Entries written later continue
 * strictly (a gap is corruption, as always). At the end a durable snapshot marker must cover every missing entry,
 * else segments were lost that held live entries: {@link #finish()} reports it.
 *
 * <p>Holds the recovered entries in memory (recovery returns them); one use. Not thread-safe.
 */
final class LogReplay {
    private final List<Entry> entries = new ArrayList<>(); // entries.get(i) has index base + 1 + i
    private final SegmentEntryIndexes segments = new SegmentEntryIndexes();
    private final long firstSequence;
    private long base; // >= snapshot.index(); above it, the entries in between are missing
    private boolean frontUnknown;
    private boolean snapshotSeen;
    private SnapshotMeta snapshot = SnapshotMeta.NONE;
    private long snapshotSequence; // segment holding the latest snapshot marker, 0 if none
    private long sequence; // segment being replayed
    private HardState hardState = HardState.EMPTY;

    /** @param firstSequence the first segment on disk; above 1, earlier ones were deleted by compaction */
    LogReplay(long firstSequence) {
        this.firstSequence = firstSequence;
        this.frontUnknown = firstSequence > 1;
    }

    void startSegment(long sequence) {
        segments.add(sequence);
        this.sequence = sequence;
    }

    void hardState(HardState hardState) {
        this.hardState = hardState;
    }

    String entry(Entry entry) {
        long index = entry.index();
        if (index <= snapshot.index()) {
            return "entry " + index + " at or below the snapshot index " + snapshot.index();
        }
        if (frontUnknown) {
            base = index - 1; // what lies between the snapshot and here was in deleted segments
            frontUnknown = false;
        }
        long last = lastIndex();
        if (index > last + 1) {
            return "entry " + index + " leaves a gap after entry " + last;
        }
        if (index <= base) {
            // Cuts back into entries the deleted segments held (possible only when they are missing): restart there.
            entries.clear();
            base = index - 1;
        } else if (index <= last) {
            // A follower replaced a conflicting suffix (Raft §5.3): the later write wins.
            entries.subList((int) (index - base - 1), entries.size()).clear();
        }
        if (index <= last) {
            segments.discardFrom(index);
        }
        entries.add(entry);
        segments.entry(sequence, index);
        return null;
    }

    String snapshot(SnapshotMeta marker, boolean install) {
        if (marker.index() < snapshot.index()) {
            return "snapshot marker at " + marker.index() + " goes back from " + snapshot.index();
        }
        if (install) {
            entries.clear();
            base = marker.index();
            frontUnknown = false;
            segments.discardFrom(1);
        } else if (!frontUnknown) {
            long last = lastIndex();
            if (marker.index() > last) {
                return "compaction at " + marker.index() + " beyond the last entry " + last;
            }
            if (marker.index() > base) {
                entries.subList(0, (int) (marker.index() - base)).clear();
                base = marker.index();
            }
        }
        snapshot = marker;
        snapshotSeen = true;
        snapshotSequence = sequence;
        return null;
    }

    /** Checks that nothing live is missing; returns null or the reason, after which the getters are final. */
    String finish() {
        if (frontUnknown) {
            if (!snapshotSeen) {
                return "the log starts at segment " + firstSequence + ", so earlier segments are missing, and no "
                        + "snapshot marker explains it";
            }
            base = snapshot.index(); // no entry survives: the deleted segments held only compacted ones
            frontUnknown = false;
        }
        if (base > snapshot.index()) {
            return "entries " + (snapshot.index() + 1) + ".." + base + " are missing: segments before "
                    + firstSequence + " held them and no durable snapshot marker covers them";
        }
        return null;
    }

    HardState hardState() {
        return hardState;
    }

    SnapshotMeta snapshot() {
        return snapshot;
    }

    /** Segment holding the latest snapshot marker, 0 if there is none. */
    long snapshotSequence() {
        return snapshotSequence;
    }

    /** The entries after the snapshot, consecutive from {@code snapshot().index() + 1} once finished. */
    List<Entry> entries() {
        return entries;
    }

    SegmentEntryIndexes segments() {
        return segments;
    }

    private long lastIndex() {
        return base + entries.size();
    }
}
