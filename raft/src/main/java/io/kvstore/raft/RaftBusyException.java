package io.kvstore.raft;

/** The member refused the request to protect itself (queue full, too many uncommitted bytes); it was not applied. */
public final class RaftBusyException extends RaftException {
    public RaftBusyException(String reason) {
        super(reason);
    }
}
