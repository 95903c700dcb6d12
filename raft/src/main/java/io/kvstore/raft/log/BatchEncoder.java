package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Encodes one batch of records (see {@link WalFormat}) into a single reusable direct buffer, so a batch reaches the
 * file in one write and costs no allocation per entry. The buffer grows to the largest batch seen and stays there:
 * the caller bounds batches (raft's in-flight window), not this class. Not thread-safe.
 */
final class BatchEncoder {
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buffer;

    BatchEncoder(int initialBytes) {
        buffer = ByteBuffer.allocateDirect(initialBytes);
    }

    /** Bytes encoded since the last {@link #clear()}. */
    int size() {
        return buffer.position();
    }

    void entry(Entry entry) {
        int dataBytes = entry.data().size();
        if (dataBytes > WalFormat.ENTRY_DATA_BYTES_MAX) {
            throw new IllegalArgumentException("entry " + entry.index() + " has " + dataBytes
                    + " bytes of data, more than " + WalFormat.ENTRY_DATA_BYTES_MAX);
        }
        int start = begin(WalFormat.TYPE_ENTRY, WalFormat.ENTRY_FIXED_LENGTH + dataBytes);
        buffer.putLong(entry.index()).putLong(entry.term()).put((byte) entry.type().ordinal());
        entry.data().copyTo(buffer);
        end(start);
    }

    void hardState(HardState hardState) {
        byte[] votedFor = hardState.votedFor() == null ? null : hardState.votedFor().getBytes(StandardCharsets.UTF_8);
        int votedForBytes = votedFor == null ? 0 : votedFor.length;
        if (votedForBytes > WalFormat.VOTED_FOR_BYTES_MAX) {
            throw new IllegalArgumentException("votedFor longer than " + WalFormat.VOTED_FOR_BYTES_MAX + " bytes");
        }
        int start = begin(WalFormat.TYPE_HARD_STATE, WalFormat.HARD_STATE_FIXED_LENGTH + votedForBytes);
        buffer.putLong(hardState.term()).putLong(hardState.commit());
        if (votedFor == null) {
            buffer.putInt(-1);
        } else {
            buffer.putInt(votedFor.length).put(votedFor);
        }
        end(start);
    }

    /** A SNAPSHOT marker; {@code install} tells an installed leader snapshot from a local compaction. */
    void snapshot(SnapshotMeta snapshot, boolean install) {
        ByteString membership = snapshot.membership().encode();
        if (membership.size() > WalFormat.MEMBERSHIP_BYTES_MAX) {
            throw new IllegalArgumentException("snapshot membership encodes to " + membership.size()
                    + " bytes, more than " + WalFormat.MEMBERSHIP_BYTES_MAX);
        }
        int start = begin(WalFormat.TYPE_SNAPSHOT, WalFormat.SNAPSHOT_FIXED_LENGTH + membership.size());
        buffer.put(install ? WalFormat.SNAPSHOT_INSTALL : WalFormat.SNAPSHOT_COMPACT)
                .putLong(snapshot.index()).putLong(snapshot.term()).putInt(membership.size());
        membership.copyTo(buffer);
        end(start);
    }

    /** @param fileOffset where the marker will sit in its segment: the segment size plus {@link #size()} */
    void syncMarker(long fileOffset, long sequence) {
        int start = begin(WalFormat.TYPE_SYNC, WalFormat.SYNC_LENGTH);
        buffer.putLong(fileOffset).putLong(sequence);
        end(start);
    }

    /** The encoded batch, ready to write; call {@link #clear()} once written. */
    ByteBuffer flip() {
        return buffer.flip();
    }

    void clear() {
        buffer.clear();
    }

    /** Reserves a record header and writes the type byte; returns the record's start. */
    private int begin(byte type, int length) {
        ensureRemaining(WalFormat.RECORD_HEADER_BYTES + length);
        int start = buffer.position();
        buffer.position(start + WalFormat.RECORD_HEADER_BYTES);
        buffer.put(type);
        return start;
    }

    /** Fills in length and checksum of the record that starts at {@code start} and ends at the position. */
    private void end(int start) {
        int end = buffer.position();
        int length = end - start - WalFormat.RECORD_HEADER_BYTES;
        buffer.limit(end).position(start + WalFormat.RECORD_HEADER_BYTES);
        crc.reset();
        crc.update(buffer); // leaves the position at end
        buffer.limit(buffer.capacity());
        buffer.putInt(start, length).putInt(start + 4, (int) crc.getValue());
    }

    private void ensureRemaining(int bytes) {
        if (buffer.remaining() >= bytes) {
            return;
        }
        long needed = (long) buffer.position() + bytes;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("batch larger than 2 GiB: sync more often");
        }
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buffer.capacity()));
        ByteBuffer grown = ByteBuffer.allocateDirect(capacity);
        grown.put(buffer.flip());
        buffer = grown;
    }
}
