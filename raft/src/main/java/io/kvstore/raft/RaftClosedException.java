package io.kvstore.raft;

/**
 * The node was closed (or stopped on a fatal error) before the request finished. A proposal that was already
 * accepted may still be committed and applied by the cluster: its outcome is unknown.
 */
public final class RaftClosedException extends RaftException {
    public RaftClosedException(String message) {
        super(message);
    }
}
