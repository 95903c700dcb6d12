package io.kvstore.raft.core;

/**
 * The state a member must make durable before it answers any message that depends on it (Raft Figure 2's
 * "persistent state on all servers", plus the commit index as a restart hint).
 *
 * @param term current term
 * @param votedFor member voted for in {@code term}, or {@code null}
 * @param commit highest index known committed; only a hint on restart, never beyond the durable log
 */
public record HardState(long term, String votedFor, long commit) {
    public static final HardState EMPTY = new HardState(0, null, 0);

    public HardState {
        if (term < 0 || commit < 0) {
            throw new IllegalArgumentException("negative term or commit: " + term + ", " + commit);
        }
    }
}
