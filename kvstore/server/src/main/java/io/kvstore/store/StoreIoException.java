package io.kvstore.store;

/**
 * RocksDB failed or returned bytes that do not decode. Not an expected outcome: the runtime that catches it stops
 * the member, which then recovers by replaying the raft log from its last durable applied index.
 */
public final class StoreIoException extends RuntimeException {

    public StoreIoException(String message, Throwable cause) {
        super(message, cause);
    }
}
