package io.kvstore.raft.core;

/**
 * A read index answer (dissertation §6.4). When {@code index >= 0}: once the state machine has applied
 * {@code index}, a read requested as {@code requestId} reflects every write acknowledged before the request. When
 * {@code index < 0}: the request failed (the leader could not confirm it); retry.
 */
public record ReadState(long requestId, long index) {
    public boolean failed() {
        return index < 0;
    }
}
