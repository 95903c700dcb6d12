package io.kvstore.raft.core;

/**
 * A confirmed read index (dissertation §6.4): once the state machine has applied {@code index}, a read that was
 * requested as {@code requestId} reflects every write acknowledged before the request.
 */
public record ReadState(long requestId, long index) {}
