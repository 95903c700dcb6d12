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
     * "would you vote for me at {@code term}?" without anyone changing their term. {@code transfer} marks the
     * election of a leadership transfer target, which members honour even inside a leader lease.
     */
    record RequestVote(String from, String to, long term, long lastLogIndex, long lastLogTerm, boolean preVote,
                       boolean transfer) implements Message {}

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

    /**
     * "Install the snapshot {@code meta} names": sent by a leader to a follower whose next entry was compacted away.
     * The data does not travel in this message: the runtimes stream it separately, and the follower's runtime
     * steps this message into its core only once the snapshot is staged locally.
     */
    record InstallSnapshot(String from, String to, long term, SnapshotMeta meta) implements Message {}

    /** "Campaign now": the last step of a leadership transfer, sent once the target's log has caught up. */
    record TimeoutNow(String from, String to, long term) implements Message {}

    /** A follower asks the leader to confirm a read index on its behalf (dissertation §6.4.1). */
    record ReadIndexRequest(String from, String to, long term, long requestId) implements Message {}

    /** The leader's answer: {@code index} is the confirmed read index, or -1 when the leader cannot serve it. */
    record ReadIndexResponse(String from, String to, long term, long requestId, long index) implements Message {}
}
