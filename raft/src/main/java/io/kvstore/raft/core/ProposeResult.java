package io.kvstore.raft.core;

/** Outcome of {@link RaftCore#propose}: expected outcomes are values, not exceptions. */
public sealed interface ProposeResult {
    /** Appended at {@code index} in {@code term}; committed later unless a new leader overwrites it. */
    record Accepted(long index, long term) implements ProposeResult {}

    /** This member is not the leader; {@code leaderHint} is the leader it knows of, or {@code null}. */
    record NotLeader(String leaderHint) implements ProposeResult {}

    /** The leader refuses more uncommitted data until the quorum catches up; retry later. */
    record Busy(String reason) implements ProposeResult {}
}
