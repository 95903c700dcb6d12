package io.kvstore.raft.core;

/** Outcome of {@link RaftCore#propose}: expected outcomes are values, not exceptions. */
public sealed interface ProposeResult {
    /** Appended at {@code index} in {@code term}; committed later unless a new leader overwrites it. */
    record Accepted(long index, long term) implements ProposeResult {}

    /** This member is not the leader; {@code leaderHint} is the leader it knows of, or {@code null}. */
    record NotLeader(String leaderHint) implements ProposeResult {}

    /** The leader cannot take this proposal now (too much uncommitted data, a transfer or change under way); retry. */
    record Busy(String reason) implements ProposeResult {}

    /** The proposal can never succeed as asked (e.g. removing a member that is not in the cluster). */
    record Rejected(String reason) implements ProposeResult {}
}
