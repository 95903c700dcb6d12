package io.kvstore.raft.core;

/**
 * One single-server membership change (dissertation §4.1): add a learner, promote a learner to voter, or remove a
 * member. Voters join as learners first and are promoted once caught up, so a new voter never stalls commits.
 *
 * @param address the new member's peer address (host:port); required for ADD_LEARNER, null otherwise
 */
public record MembershipChange(Kind kind, String memberId, String address) {
    public enum Kind { ADD_LEARNER, PROMOTE, REMOVE }

    public MembershipChange {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
        Membership.checkId(memberId);
    }

    public static MembershipChange addLearner(String memberId, String address) {
        return new MembershipChange(Kind.ADD_LEARNER, memberId, address);
    }

    public static MembershipChange promote(String memberId) {
        return new MembershipChange(Kind.PROMOTE, memberId, null);
    }

    public static MembershipChange remove(String memberId) {
        return new MembershipChange(Kind.REMOVE, memberId, null);
    }
}
