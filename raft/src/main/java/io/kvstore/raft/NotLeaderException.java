package io.kvstore.raft;

/**
 * This member is not the leader (or stopped being it before a read was confirmed). The request did not take
 * effect; retry on {@link #leaderHint()} when known.
 */
public final class NotLeaderException extends RaftException {
    private final String leaderHint;

    public NotLeaderException(String memberId, String leaderHint) {
        super("member " + memberId + " is not the leader"
                + (leaderHint == null ? " and knows no leader" : "; try member " + leaderHint));
        this.leaderHint = leaderHint;
    }

    /** The member this one believes is leader, or {@code null} when it knows none (an election is running). */
    public String leaderHint() {
        return leaderHint;
    }
}
