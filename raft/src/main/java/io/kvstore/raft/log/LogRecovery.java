package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the segments of a {@link SegmentedLogStore} back, once, at start. The rule that keeps acknowledged entries
 * safe: everything up to the last valid SYNC marker was forced, so it was promised. After that marker, in the last
 * segment only, lies what a crash cut short: a torn tail, cut off with one WARN line. A bad record that a valid
 * SYNC marker follows (or any bad record in an earlier segment) was promised and is damaged: corruption, never
 * skipped. Records take effect only when their batch's marker is read, so an unsynced tail never leaks out. What
 * the records mean (entries, snapshot markers, a front deleted by compaction) is {@link LogReplay}'s business.
 *
 * <p>Reads one whole segment into memory at a time (segments are bounded by the store's segment size plus one
 * batch). Not thread-safe; use once.
 */
final class LogRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);
    private static final Entry.Type[] ENTRY_TYPES = Entry.Type.values();

    /**
     * What recovery found: the replayed log, and the open last segment ({@code lastFile}, null when there is none;
     * the caller owns it).
     */
    record Result(LogReplay log, DiskFile lastFile, long lastSequence, long lastSize, boolean lastHasHardState) {}

    /**
     * A decoded record of the current batch, waiting for the batch's SYNC marker: exactly one of entry, hard state
     * and snapshot is set, or none for the SYNC marker itself.
     */
    private record Pending(long offset, Entry entry, HardState hardState, SnapshotMeta snapshot, boolean install) {
        static final Pending SYNC = new Pending(-1, null, null, null, false);

        boolean isSync() {
            return entry == null && hardState == null && snapshot == null;
        }
    }

    private final Disk disk;
    private final CRC32C crc = new CRC32C();
    private final List<Pending> pending = new ArrayList<>();
    private LogReplay log;
    private boolean segmentHasHardState; // of the segment being replayed: the store repeats it in every segment
    private ByteBuffer data = ByteBuffer.allocate(0);

    LogRecovery(Disk disk) {
        this.disk = disk;
    }

    Result run() throws IOException {
        List<Long> sequences = segmentSequences();
        log = new LogReplay(sequences.isEmpty() ? 1 : sequences.get(0));
        if (!sequences.isEmpty() && dropTornCreation(sequences.get(sequences.size() - 1))) {
            sequences.remove(sequences.size() - 1);
        }
        DiskFile lastFile = null;
        long lastSize = 0;
        boolean lastHasHardState = false;
        for (int i = 0; i < sequences.size(); i++) {
            boolean last = i == sequences.size() - 1;
            DiskFile file = disk.open(WalFormat.segmentName(sequences.get(i)));
            try {
                log.startSegment(sequences.get(i));
                segmentHasHardState = false;
                lastSize = replaySegment(file, sequences.get(i), last);
                lastHasHardState = segmentHasHardState;
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            if (last) {
                lastFile = file;
            } else {
                file.close();
            }
        }
        long lastSequence = sequences.isEmpty() ? 0 : sequences.get(sequences.size() - 1);
        try {
            String missing = log.finish();
            if (missing != null) {
                throw new CorruptLogException("corrupt raft log " + disk + ": " + missing + "; this member must not "
                        + "start (restore its data or replace the member)");
            }
            if (lastFile != null) {
                cutTail(lastFile, WalFormat.segmentName(lastSequence), lastSize);
            }
        } catch (IOException | RuntimeException e) {
            if (lastFile != null) {
                lastFile.close();
            }
            throw e;
        }
        return new Result(log, lastFile, lastSequence, lastSize, lastHasHardState);
    }

    /**
     * Cuts what follows the last sync marker of the last segment. Only once the whole log checked out: a recovery
     * that refuses to start leaves the files as it found them, for whoever investigates.
     */
    private void cutTail(DiskFile file, String name, long syncedEnd) throws IOException {
        long size = file.size();
        if (syncedEnd < size) {
            LOG.warn("raft log {}: cutting {} unacknowledged bytes after the last sync marker at offset {} (torn write)",
                    name, size - syncedEnd, syncedEnd);
            file.truncate(syncedEnd);
            file.force();
        }
    }

    /** Our segment sequences in order; anything else in the directory means it is not ours. */
    private List<Long> segmentSequences() throws IOException {
        List<Long> sequences = new ArrayList<>();
        for (String name : disk.list()) {
            long sequence = WalFormat.parseSequence(name);
            if (sequence < 0) {
                throw new CorruptLogException("not a kvstore raft log directory: " + disk + " holds '" + name
                        + "', which is not a log segment; refusing to start");
            }
            sequences.add(sequence);
        }
        sequences.sort(null);
        for (int i = 1; i < sequences.size(); i++) {
            if (sequences.get(i) != sequences.get(i - 1) + 1) {
                throw new CorruptLogException("raft log in " + disk + " is missing segments between "
                        + WalFormat.segmentName(sequences.get(i - 1)) + " and "
                        + WalFormat.segmentName(sequences.get(i)) + "; this member must not start");
            }
        }
        return sequences;
    }

    /**
     * A last segment with no complete, valid header was being created when the power went: its header is forced
     * before any record is written, so it holds nothing that was promised and is deleted.
     */
    private boolean dropTornCreation(long sequence) throws IOException {
        String name = WalFormat.segmentName(sequence);
        try (DiskFile file = disk.open(name)) {
            long size = file.size();
            if (size > WalFormat.SEGMENT_HEADER_BYTES) {
                return false;
            }
            if (size == WalFormat.SEGMENT_HEADER_BYTES && readFully(file, size).equals(WalFormat.encodeHeader(sequence))) {
                return false;
            }
            LOG.warn("raft log segment {} has a torn header ({} bytes): deleting it, it holds no records", name, size);
        }
        disk.delete(name);
        disk.syncDirectory();
        return true;
    }

    /** Replays one segment into {@link #log}; returns where its last sync marker ends (the tail is cut later). */
    private long replaySegment(DiskFile file, long sequence, boolean last) throws IOException {
        String name = WalFormat.segmentName(sequence);
        long fileSize = file.size();
        if (fileSize > Integer.MAX_VALUE - 8) {
            throw corrupt(name, 0, "segment of " + fileSize + " bytes is larger than any segment we write");
        }
        int size = (int) fileSize;
        readFully(file, size);
        checkHeader(name, sequence, size);
        int position = WalFormat.SEGMENT_HEADER_BYTES;
        int syncedEnd = position;
        while (position < size) {
            Pending record = decode(position, size, sequence);
            if (record == null) {
                if (!last) {
                    throw corrupt(name, position, "damaged record in a segment that is not the last");
                }
                if (syncMarkerAfter(position + 1, size, sequence)) {
                    throw corrupt(name, position, "damaged record followed by a valid sync marker");
                }
                break;
            }
            position += WalFormat.RECORD_HEADER_BYTES + data.getInt(position);
            if (record.isSync()) {
                applyBatch(name);
                syncedEnd = position;
            } else {
                pending.add(record);
            }
        }
        pending.clear();
        if (syncedEnd < size && !last) {
            throw corrupt(name, syncedEnd, "records after the last sync marker of a segment that is not the last");
        }
        return syncedEnd;
    }

    private void checkHeader(String name, long sequence, int size) throws CorruptLogException {
        if (size < WalFormat.SEGMENT_HEADER_BYTES) {
            throw corrupt(name, 0, "segment shorter than its header");
        }
        int magic = data.getInt(0);
        int version = data.getInt(4);
        if (magic != WalFormat.MAGIC || version != WalFormat.VERSION) {
            throw new CorruptLogException(String.format("not a kvstore raft log directory: %s: %s has magic 0x%08x "
                    + "version %d, expected 0x%08x version %d; refusing to start",
                    disk, name, magic, version, WalFormat.MAGIC, WalFormat.VERSION));
        }
        if (data.getLong(8) != sequence) {
            throw corrupt(name, 8, "header names segment " + data.getLong(8));
        }
    }

    /** Applies the batch that a SYNC marker just closed. */
    private void applyBatch(String name) throws CorruptLogException {
        for (Pending record : pending) {
            String problem = null;
            if (record.hardState() != null) {
                log.hardState(record.hardState());
                segmentHasHardState = true;
            } else if (record.snapshot() != null) {
                problem = log.snapshot(record.snapshot(), record.install());
            } else {
                problem = log.entry(record.entry());
            }
            if (problem != null) {
                throw corrupt(name, record.offset(), problem);
            }
        }
        pending.clear();
    }

    /**
     * Decodes the record at {@code position}, or returns null when it is torn or damaged: impossible length, bad
     * checksum, unknown type, or impossible fields. A SYNC marker comes back as {@link Pending#SYNC}.
     */
    private Pending decode(int position, int size, long sequence) {
        if (size - position < WalFormat.RECORD_HEADER_BYTES + 1) {
            return null;
        }
        int length = data.getInt(position);
        if (length < 1 || length > WalFormat.RECORD_LENGTH_MAX
                || length > size - position - WalFormat.RECORD_HEADER_BYTES) {
            return null;
        }
        int body = position + WalFormat.RECORD_HEADER_BYTES;
        if (checksum(body, length) != data.getInt(position + 4)) {
            return null;
        }
        switch (data.get(body)) {
            case WalFormat.TYPE_ENTRY:
                return decodeEntry(position, body, length);
            case WalFormat.TYPE_HARD_STATE:
                return decodeHardState(position, body, length);
            case WalFormat.TYPE_SYNC:
                boolean valid = length == WalFormat.SYNC_LENGTH && data.getLong(body + 1) == position
                        && data.getLong(body + 9) == sequence;
                return valid ? Pending.SYNC : null;
            case WalFormat.TYPE_SNAPSHOT:
                return decodeSnapshot(position, body, length);
            default:
                return null;
        }
    }

    private Pending decodeEntry(int position, int body, int length) {
        if (length < WalFormat.ENTRY_FIXED_LENGTH) {
            return null;
        }
        long index = data.getLong(body + 1);
        long term = data.getLong(body + 9);
        int type = data.get(body + 17);
        if (index < 1 || term < 1 || type < 0 || type >= ENTRY_TYPES.length) {
            return null;
        }
        ByteString payload = ByteString.copyFrom(data.array(), body + WalFormat.ENTRY_FIXED_LENGTH,
                length - WalFormat.ENTRY_FIXED_LENGTH);
        return new Pending(position, new Entry(index, term, ENTRY_TYPES[type], payload), null, null, false);
    }

    private Pending decodeSnapshot(int position, int body, int length) {
        if (length < WalFormat.SNAPSHOT_FIXED_LENGTH) {
            return null;
        }
        byte kind = data.get(body + 1);
        long index = data.getLong(body + 2);
        long term = data.getLong(body + 10);
        int membershipBytes = data.getInt(body + 18);
        if ((kind != WalFormat.SNAPSHOT_COMPACT && kind != WalFormat.SNAPSHOT_INSTALL) || index < 0 || term < 0
                || membershipBytes < 0 || membershipBytes > WalFormat.MEMBERSHIP_BYTES_MAX
                || length != WalFormat.SNAPSHOT_FIXED_LENGTH + membershipBytes) {
            return null;
        }
        Membership membership;
        try {
            membership = Membership.decode(ByteString.copyFrom(data.array(), body + WalFormat.SNAPSHOT_FIXED_LENGTH,
                    membershipBytes));
        } catch (IllegalArgumentException e) {
            return null; // impossible field, like any other: damaged
        }
        return new Pending(position, null, null, new SnapshotMeta(index, term, membership),
                kind == WalFormat.SNAPSHOT_INSTALL);
    }

    private Pending decodeHardState(int position, int body, int length) {
        if (length < WalFormat.HARD_STATE_FIXED_LENGTH) {
            return null;
        }
        long term = data.getLong(body + 1);
        long commit = data.getLong(body + 9);
        int votedForBytes = data.getInt(body + 17);
        int expected = WalFormat.HARD_STATE_FIXED_LENGTH + Math.max(votedForBytes, 0);
        if (term < 0 || commit < 0 || votedForBytes < -1 || votedForBytes > WalFormat.VOTED_FOR_BYTES_MAX
                || length != expected) {
            return null;
        }
        String votedFor = votedForBytes < 0 ? null : new String(data.array(),
                body + WalFormat.HARD_STATE_FIXED_LENGTH, votedForBytes, StandardCharsets.UTF_8);
        return new Pending(position, null, new HardState(term, votedFor, commit), null, false);
    }

    /** Whether a valid SYNC marker starts anywhere in [from, size): proof that what lies before it was forced. */
    private boolean syncMarkerAfter(int from, int size, long sequence) {
        for (int at = from; at <= size - WalFormat.SYNC_RECORD_BYTES; at++) {
            // Cheap field checks first: the checksum runs only where length, type and offset already match.
            if (data.getInt(at) == WalFormat.SYNC_LENGTH && data.get(at + 8) == WalFormat.TYPE_SYNC
                    && data.getLong(at + 9) == at && data.getLong(at + 17) == sequence
                    && checksum(at + WalFormat.RECORD_HEADER_BYTES, WalFormat.SYNC_LENGTH) == data.getInt(at + 4)) {
                return true;
            }
        }
        return false;
    }

    private int checksum(int offset, int length) {
        crc.reset();
        crc.update(data.array(), offset, length);
        return (int) crc.getValue();
    }

    /** Reads the whole file into {@link #data} (reused across segments); returns it flipped for reading. */
    private ByteBuffer readFully(DiskFile file, long size) throws IOException {
        if (data.capacity() < size) {
            data = ByteBuffer.allocate((int) size);
        }
        data.clear().limit((int) size);
        while (data.hasRemaining()) {
            if (file.read(data.position(), data) < 0) {
                throw new IOException("file shrank while reading it: expected " + size + " bytes");
            }
        }
        return data.flip();
    }

    private CorruptLogException corrupt(String name, long offset, String reason) {
        return new CorruptLogException("corrupt raft log " + disk + "/" + name + " at offset " + offset + ": "
                + reason + "; a durable record is damaged, this member must not start (restore its data or "
                + "replace the member)");
    }
}
