package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
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
     * log is cut back to just before it first (a follower replacing a conflicting suffix, Raft §5.3). An index gap
     * (first index beyond last index + 1) is a caller bug: {@link IllegalArgumentException}.
     */
    void append(List<Entry> entries) throws IOException;

    /** Records the hard state; the last one written before a sync is the one recovered. */
    void saveHardState(HardState hardState) throws IOException;

    /**
     * Records that the state machine has captured every entry up to {@code snapshot.index()} in a snapshot: those
     * entries may be deleted (whole segments at a time); entries after it stay. Durable after the next
     * {@link #sync()}. {@link #recover()} then returns {@code snapshot} and only the entries after it.
     */
    void compact(SnapshotMeta snapshot) throws IOException;

    /**
     * Replaces the whole log with a snapshot received from the leader: every entry is discarded (entries after the
     * snapshot's index may conflict with the leader's log), and the log continues at {@code snapshot.index() + 1}.
     * Durable after the next {@link #sync()}.
     */
    void installSnapshot(SnapshotMeta snapshot) throws IOException;

    /** Makes every earlier append, saveHardState, compact and installSnapshot durable with one fsync. */
    void sync() throws IOException;

    @Override
    void close() throws IOException;
}
