package io.kvstore.raft.log;

import java.nio.ByteBuffer;

/**
 * The on-disk format of {@link SegmentedLogStore}, in one place so the writer ({@link BatchEncoder}) and the reader
 * ({@link LogRecovery}) cannot drift apart. All integers are big-endian.
 *
 * <pre>
 * segment file  wal-%016d.log, the number is the segment sequence (1, 2, ...; contiguous)
 * header        magic u32 "KVWL" | version u32 (1) | sequence u64           = 16 bytes, forced before any record
 * record        length u32 | crc32c u32 | type u8 | payload                   length counts type + payload
 *               crc32c covers type + payload
 * ENTRY    (1)  index u64 | term u64 | entry type u8 (Entry.Type ordinal) | data (rest of the record)
 * HARD_STATE(2) term u64 | commit u64 | votedFor length i32 (-1 = null) | votedFor UTF-8
 * SYNC     (3)  file offset of this record u64 | segment sequence u64      last record of every forced batch
 * SNAPSHOT (4)  kind u8 (1 compact, 2 install) | index u64 | term u64 | membership length u32 | membership
 *               (Membership.encode(): UTF-8 text, at most 64 KiB)
 * </pre>
 *
 * The SYNC marker carries its own offset and segment so garbage or a stale copy cannot pass for one: recovery
 * scans for markers byte by byte after a bad record to tell a torn tail from corruption in the middle.
 *
 * <p>A SNAPSHOT marker is part of its batch like any record, so it takes effect only with the batch's SYNC marker.
 * Replay applies records in file order: a compact marker drops the entries at or below its index (entries after it
 * stay, and may continue in the same batch); an install marker drops every entry, and the next ENTRY must be
 * index + 1. Marker indexes never go back. Once a marker is durable the store deletes whole segments from the
 * front (see {@link SegmentEntryIndexes}), so the first segment's sequence may be above 1: recovery accepts that
 * only when a durable marker covers every entry that the deleted segments held. A gap in the middle of the
 * sequence stays corruption.
 */
final class WalFormat {
    static final int MAGIC = 0x4B56574C; // "KVWL"
    static final int VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 16;
    /** Length and checksum in front of every record. */
    static final int RECORD_HEADER_BYTES = 8;

    static final byte TYPE_ENTRY = 1;
    static final byte TYPE_HARD_STATE = 2;
    static final byte TYPE_SYNC = 3;
    static final byte TYPE_SNAPSHOT = 4;

    /** SNAPSHOT kinds: the state machine captured a prefix ({@code compact}), or a leader's snapshot replaced all. */
    static final byte SNAPSHOT_COMPACT = 1;
    static final byte SNAPSHOT_INSTALL = 2;

    /** Type byte, index, term, entry type. */
    static final int ENTRY_FIXED_LENGTH = 1 + 8 + 8 + 1;
    /** Type byte, term, commit, votedFor length. */
    static final int HARD_STATE_FIXED_LENGTH = 1 + 8 + 8 + 4;
    static final int SYNC_LENGTH = 1 + 8 + 8;
    /** Type byte, kind, index, term, membership length. */
    static final int SNAPSHOT_FIXED_LENGTH = 1 + 1 + 8 + 8 + 4;
    static final int SYNC_RECORD_BYTES = RECORD_HEADER_BYTES + SYNC_LENGTH;

    /**
     * Largest entry payload. Why 64 MiB: a configuration store's commands are small (etcd caps requests at 1.5 MiB);
     * the bound lets recovery reject a garbage length before allocating for it.
     */
    static final int ENTRY_DATA_BYTES_MAX = 64 << 20;
    /** Largest votedFor in UTF-8 bytes: member ids are short; the bound keeps a hard-state record small. */
    static final int VOTED_FOR_BYTES_MAX = 1024;
    /**
     * Largest encoded membership. Why 64 KiB: ids are at most 64 characters, so this holds about a thousand
     * members, far more than a raft group has; the bound lets recovery reject a garbage length.
     */
    static final int MEMBERSHIP_BYTES_MAX = 64 << 10;
    static final int RECORD_LENGTH_MAX = ENTRY_FIXED_LENGTH + ENTRY_DATA_BYTES_MAX;

    private static final String PREFIX = "wal-";
    private static final String SUFFIX = ".log";
    private static final int DIGITS = 16;

    private WalFormat() {}

    static String segmentName(long sequence) {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be >= 1: " + sequence);
        }
        return PREFIX + String.format("%0" + DIGITS + "d", sequence) + SUFFIX;
    }

    /** The sequence in a segment name, or -1 if {@code name} is not a segment of ours. */
    static long parseSequence(String name) {
        if (name.length() != PREFIX.length() + DIGITS + SUFFIX.length()
                || !name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return -1;
        }
        long sequence = 0;
        for (int i = PREFIX.length(); i < PREFIX.length() + DIGITS; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            sequence = sequence * 10 + (c - '0');
        }
        return sequence >= 1 ? sequence : -1;
    }

    static ByteBuffer encodeHeader(long sequence) {
        ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        header.putInt(MAGIC).putInt(VERSION).putLong(sequence).flip();
        return header;
    }
}
