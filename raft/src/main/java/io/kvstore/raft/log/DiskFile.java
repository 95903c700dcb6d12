package io.kvstore.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open file of a {@link Disk}: append-only writes, positional reads. Not thread-safe. Positions and sizes are
 * in bytes. Appended bytes are durable only after {@link #force()} returns; a power loss before that may keep any
 * prefix of them, with garbage at its end (a torn write).
 */
public interface DiskFile extends AutoCloseable {

    /** Current size in bytes, including bytes appended but not yet forced. */
    long size() throws IOException;

    /**
     * Reads up to {@code dst.remaining()} bytes starting at {@code position} into {@code dst}.
     *
     * @return the number of bytes read, or -1 when {@code position} is at or past the end of the file
     */
    int read(long position, ByteBuffer dst) throws IOException;

    /** Appends all remaining bytes of {@code src} at the end of the file; on return {@code src} has none left. */
    void append(ByteBuffer src) throws IOException;

    /** Cuts the file to {@code size} bytes; durable only after {@link #force()}. */
    void truncate(long size) throws IOException;

    /** Makes the content durable (fdatasync: data and the size, not necessarily timestamps). */
    void force() throws IOException;

    @Override
    void close() throws IOException;
}
