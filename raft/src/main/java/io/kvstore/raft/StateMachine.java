package io.kvstore.raft;

import io.kvstore.raft.core.Entry;

/**
 * The replicated state machine a {@link RaftNode} drives. Called only from the node's single apply thread, so an
 * implementation needs no locking against itself.
 */
public interface StateMachine {

    /**
     * The index of the last entry whose effect is durable in the state machine. Read once at start; the node then
     * applies only entries after it, so an implementation that stores this index atomically with its data applies
     * every entry exactly once across restarts.
     */
    long appliedIndex();

    /**
     * Applies one committed entry. Entries arrive in index order, each exactly once. {@link Entry.Type#NOOP} entries
     * are passed too so the applied index advances. The returned value completes the proposer's future on this
     * member; it may be {@code null}.
     */
    Object apply(Entry entry);
}
