package io.kvstore.raft;

import io.kvstore.raft.core.Entry;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The replicated state machine a {@link RaftNode} drives. Called only from the node's single apply thread (and,
 * for a restore at start, from the thread that opens the node, before the apply thread starts), so an
 * implementation needs no locking against itself.
 */
public interface StateMachine {

    /**
     * The index of the last entry whose effect is durable in the state machine. Read once at start; the node then
     * applies only entries after it, so an implementation that stores this index atomically with its data applies
     * every entry exactly once across restarts. It may lag behind what was applied (entries are then applied
     * again, so they must be idempotent at the same index) but never lead it.
     */
    long appliedIndex();

    /**
     * Applies one committed entry. Entries arrive in index order, each exactly once. {@link Entry.Type#NOOP} and
     * {@link Entry.Type#CONFIG} entries are passed too so the applied index advances; they change no state. The
     * returned value completes the proposer's future on this member; it may be {@code null}.
     */
    Object apply(Entry entry);

    /**
     * Writes the state as of {@link #appliedIndex()} into {@code dir}, an existing empty directory, as any files and
     * subdirectories the implementation likes; {@link #restore} on any member reads them back. Called between
     * applies, so the applied index is stable. The files must be durable (fsynced) when this returns; the node
     * then checksums them, and may send them to other members, so they must not change afterwards (hard links to
     * immutable files are fine).
     *
     * @throws IOException when the snapshot cannot be written; the node stops (like an I/O failure of its log)
     */
    void snapshot(Path dir) throws IOException;

    /**
     * Replaces the whole state with the snapshot in {@code dir} (written by {@link #snapshot} on some member and
     * checked against its manifest); afterwards {@link #appliedIndex()} is {@code index}. Must be crash-safe: a
     * crash in the middle leaves the old state or the new one, never a mix, and the node repeats the restore at the
     * next start when the old state survived. {@code dir} belongs to the node: read it, do not modify it (copy or
     * hard-link what you keep).
     *
     * @throws IOException when the state cannot be replaced; the node stops
     */
    void restore(Path dir, long index) throws IOException;
}
