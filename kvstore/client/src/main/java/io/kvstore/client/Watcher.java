package io.kvstore.client;

/**
 * A running watch ({@link KvClient#watch}). Close it when done; the {@link KvClient} closes all its watchers when
 * it closes. Thread-safe.
 */
public interface Watcher extends AutoCloseable {

    /** The connection state. */
    enum State {
        /** Opening a stream to a member (first time). */
        CONNECTING,
        /** Registered on a member; events flow. */
        CONNECTED,
        /** The stream failed; retrying with backoff on the next member, resuming from {@link #lastRevision()} + 1. */
        RECONNECTING,
        /** Closed by the application, or ended by {@link WatchListener#onCompacted} or {@link WatchListener#onError}. */
        CLOSED
    }

    State state();

    /** The highest revision delivered to the listener (events or progress); 0 before any. */
    long lastRevision();

    /** Stops the watch; no callback starts after this returns. Idempotent. */
    @Override
    void close();
}
