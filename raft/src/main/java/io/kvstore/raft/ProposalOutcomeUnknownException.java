package io.kvstore.raft;

/**
 * The proposal was accepted into the log at {@link #index()}, but before this member applied that index it
 * replaced its state with a snapshot from the leader that covers it. The entry at that index may be this proposal
 * (applied on every member) or another leader's entry (this proposal dropped): this member cannot tell. Retry only
 * a command that is idempotent or carries its own deduplication (a client id and sequence); otherwise read the
 * state first.
 */
public final class ProposalOutcomeUnknownException extends RaftException {
    private final long index;

    public ProposalOutcomeUnknownException(long index, long snapshotIndex) {
        super("proposal at index " + index + " was covered by a snapshot installed at index " + snapshotIndex
                + " before it was applied here: it may or may not have been applied");
        this.index = index;
    }

    public long index() {
        return index;
    }
}
