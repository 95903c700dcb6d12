package io.kvstore.raft.core;

import java.util.List;

/**
 * Everything members say to each other. A closed set of immutable records; the transport encodes them as protobuf.
 * Every message carries the sender's term; {@link RaftCore#step} applies the term rules of Raft §5.1 before the
 * type-specific handling.
 */
public sealed interface Message {
    String from();

    String to();

    long term();

    /**
     * Vote request (Raft §5.2), or a pre-vote (dissertation §9.6) when {@code preVote} is set: a pre-vote asks
     * "would you vote for me at {@code term}?" without anyone changing their term.
     */
    record RequestVote(String from, String to, long term, long lastLogIndex, long lastLogTerm, boolean preVote)
            implements Message {}

    record RequestVoteResponse(String from, String to, long term, boolean granted, boolean preVote)
            implements Message {}

    /**
     * Log replication (Raft §5.3). {@code entries} may be empty (a probe).
     */
    record AppendEntries(String from, String to, long term, long prevLogIndex, long prevLogTerm,
                         List<Entry> entries, long leaderCommit) implements Message {
        public AppendEntries {
            entries = List.copyOf(entries);
        }

        public long lastIndex() {
            return entries.isEmpty() ? prevLogIndex : entries.get(entries.size() - 1).index();
        }
    }

    /**
     * Answer to {@link AppendEntries}. On success {@code index} is the last index the follower now has durably and
     * matching the leader. On rejection {@code index} echoes the request's prevLogIndex, and {@code hintIndex} /
     * {@code hintTerm} name the follower's last entry at or before it whose term is at most the request's prevLogTerm,
     * so the leader can skip a whole conflicting term per round trip.
     */
    record AppendEntriesResponse(String from, String to, long term, boolean success, long index,
                                 long hintIndex, long hintTerm) implements Message {}

    /**
     * Leader liveness, commit propagation and read-index confirmation ({@code round} numbers the broadcast). {@code commit} is capped at what the follower is known to match, so
     * a follower never learns a commit index beyond its own matching log.
     */
    record Heartbeat(String from, String to, long term, long commit, long round) implements Message {}

    /**
     * Answer to {@link Heartbeat}; {@code round} echoes the heartbeat's, which confirms leadership for every read
     * index request registered at or before that round.
     */
    record HeartbeatResponse(String from, String to, long term, long round) implements Message {}
}
