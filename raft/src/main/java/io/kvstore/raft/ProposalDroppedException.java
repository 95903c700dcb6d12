package io.kvstore.raft;

/**
 * The proposal was accepted into the log at {@link #index()} but a later leader overwrote that index with another
 * entry: it was definitely not applied, and retrying it is safe.
 */
public final class ProposalDroppedException extends RaftException {
    private final long index;

    public ProposalDroppedException(long index, long proposedTerm, long appliedTerm) {
        super("proposal at index " + index + " from term " + proposedTerm + " was replaced by an entry of term "
                + appliedTerm);
        this.index = index;
    }

    public long index() {
        return index;
    }
}
