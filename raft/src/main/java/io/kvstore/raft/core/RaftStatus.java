package io.kvstore.raft.core;

/**
 * A snapshot of a member's protocol state, for operators and tests.
 *
 * @param leaderId the leader this member follows (itself when leader), or {@code null} when unknown
 * @param appliedIndex the last index handed to the state machine
 */
public record RaftStatus(String id, Role role, long term, String leaderId, long commitIndex, long appliedIndex,
                         long lastIndex) {}
