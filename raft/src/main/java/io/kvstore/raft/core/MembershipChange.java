package io.kvstore.raft.core;

/**
 * One single-server membership change (dissertation §4.1): add a learner, promote a learner to voter, or remove a
 * member. Voters join as learners first and are promoted once caught up, so a new voter never stalls commits.
 */
public record MembershipChange(Kind kind, String memberId) {
    public enum Kind { ADD_LEARNER, PROMOTE, REMOVE }

    public MembershipChange {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
        Membership.checkId(memberId);
    }
}
