package io.kvstore.client;

import java.util.List;

/**
 * Receives a watch's events. Callbacks run one at a time, in order, on the client's watch executor (never on gRPC
 * threads), each event exactly once, across any number of reconnects. The next batch is requested from the server
 * only after a callback returns, so a slow listener slows its own watch (the server may then cancel it as slow, and
 * the client resumes from history) and never fills the client's memory. A callback that throws is logged and the
 * watch goes on. No callback starts after {@link Watcher#close()} returned.
 */
public interface WatchListener {

    /** The events of one revision, in the server's order (for a subtree delete: deepest first). Never empty. */
    void onEvents(List<WatchEvent> events);

    /** Nothing in scope changed up to {@code revision} (only with {@link WatchOptions#progressNotify}). */
    default void onProgress(long revision) {
    }

    /**
     * The revision to resume from is no longer in the server's history: changes were missed. Read the state again
     * (its response's revision R) and start a new watch from R + 1. Final: the watcher is closed.
     */
    default void onCompacted(long oldestRevision) {
    }

    /** The connection state changed (for example to RECONNECTING after a member failed). */
    default void onStateChanged(Watcher.State state) {
    }

    /**
     * The watch cannot go on: the request is invalid ({@link KvInvalidArgumentException}, for example a malformed
     * path) or was refused for good. Final: the watcher is closed. Transport failures are never reported here: the
     * watcher reconnects until closed.
     */
    default void onError(KvException error) {
    }
}
