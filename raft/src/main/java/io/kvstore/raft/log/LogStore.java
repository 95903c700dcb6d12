package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import java.io.IOException;
import java.util.List;

/**
 * The durable raft log of one member: entries plus {@link HardState}. Used by one thread (the member's event loop).
 * Nothing written is durable until {@link #sync()} returns; a crash may lose anything written after the last sync,
 * never anything before it.
 */
public interface LogStore extends AutoCloseable {

    /**
     * Reads everything durable. Called once, before any write.
     *
     * @throws CorruptLogException when a record that was made durable fails its checksum or the files are not ours
     */
    RecoveredLog recover() throws IOException;

    /**
     * Appends entries with consecutive indexes. When the first index is at or below the last index in the log, the
     * log is cut back to just before it first (a follower replacing a conflicting suffix, Raft §5.3).
     */
    void append(List<Entry> entries) throws IOException;

    /** Records the hard state; the last one written before a sync is the one recovered. */
    void saveHardState(HardState hardState) throws IOException;

    /** Makes every earlier append and saveHardState durable with one fsync (group commit). */
    void sync() throws IOException;

    @Override
    void close() throws IOException;
}
