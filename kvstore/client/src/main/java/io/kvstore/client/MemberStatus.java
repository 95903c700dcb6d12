package io.kvstore.client;

import java.util.List;

/**
 * One member's own view of itself, from {@link ClusterAdmin#status(String)}. Immutable.
 *
 * @param raftRole FOLLOWER, PRE_CANDIDATE, CANDIDATE or LEADER (a learner reports FOLLOWER)
 * @param leader the leader's name, empty when the member knows none
 * @param revision the store revision the member has applied
 * @param voters the voters of the membership in its log
 * @param learners the learners of that membership
 * @param member whether the member is in that membership (false for a --join member not added yet)
 */
public record MemberStatus(String name, String raftRole, long term, String leader, long commitIndex,
                           long appliedIndex, long lastLogIndex, long revision, List<String> voters,
                           List<String> learners, boolean member, String clusterId) {
    public MemberStatus {
        voters = List.copyOf(voters);
        learners = List.copyOf(learners);
    }

    /** Whether the member is a learner of the membership in its log. */
    public boolean learner() {
        return learners.contains(name);
    }
}
