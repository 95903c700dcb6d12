package io.kvstore.raft;

/**
 * Why a {@link RaftNode} request did not succeed. Subclasses say whether the request may have taken effect:
 * see each one. Thrown only through the futures the node returns.
 */
public abstract class RaftException extends RuntimeException {
    RaftException(String message) {
        super(message, null, false, false); // expected outcomes: a stack trace would only cost time
    }
}
