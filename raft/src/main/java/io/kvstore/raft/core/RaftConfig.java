package io.kvstore.raft.core;

import java.util.Objects;
import java.util.Set;

/**
 * Configuration of one member's protocol core. Validated once at construction. Time is in ticks: the core has no
 * clock, its runtime calls {@link RaftCore#tick()} every tick interval.
 *
 * @param id this member's id; must be one of {@code voters} unless that is empty
 * @param voters the bootstrap membership: ids of the voting members of a new cluster, this one included. Used only
 *     until the log or a snapshot records a membership; empty for a member that joins an existing cluster (it
 *     learns the membership from the leader)
 * @param electionTicks ticks without hearing from a leader before a follower campaigns; the actual timeout is
 *     randomized in {@code [electionTicks, 2 * electionTicks)} so split votes resolve. Must exceed heartbeatTicks.
 * @param heartbeatTicks ticks between a leader's heartbeats
 * @param preVote ask "would you vote for me?" before disrupting anyone with a higher term (dissertation §9.6);
 *     keeps a rejoining or partially partitioned member from deposing a healthy leader
 * @param checkQuorum a leader that has not heard from a quorum within an election timeout steps down, and members
 *     that heard from a leader within the timeout ignore vote requests (dissertation §6.2, §4.2.3)
 * @param maxInflightMsgs AppendEntries messages in flight per follower before the leader waits for
 *     acknowledgements; bounds memory spent on a slow follower
 * @param maxInflightBytes payload bytes in flight per follower, for the same reason
 * @param maxMsgBytes payload bytes per AppendEntries message (one entry may exceed it alone)
 * @param maxUncommittedBytes payload bytes a leader accepts beyond its commit index before refusing proposals
 *     with {@link ProposeResult.Busy}, so a stalled quorum cannot exhaust the leader's memory
 * @param leaseReads the runtime may serve lease reads (see docs/raft.md). Requires checkQuorum. Makes a member
 *     ignore vote requests for an election timeout after it starts, because a member that restarted inside a
 *     leader's lease would otherwise forget it and could help elect another leader while the old one still serves
 *     reads from its lease.
 */
public record RaftConfig(String id, Set<String> voters, int electionTicks, int heartbeatTicks, boolean preVote,
                         boolean checkQuorum, int maxInflightMsgs, long maxInflightBytes, long maxMsgBytes,
                         long maxUncommittedBytes, boolean leaseReads) {

    public RaftConfig {
        Objects.requireNonNull(id, "id");
        voters = Set.copyOf(voters);
        Membership.checkId(id);
        if (!voters.isEmpty() && !voters.contains(id)) {
            throw new IllegalArgumentException("id '" + id + "' is not among voters " + voters);
        }
        if (heartbeatTicks < 1) {
            throw new IllegalArgumentException("heartbeatTicks must be >= 1: " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException(
                    "electionTicks (" + electionTicks + ") must exceed heartbeatTicks (" + heartbeatTicks + ")");
        }
        if (maxInflightMsgs < 1 || maxInflightBytes < 1 || maxMsgBytes < 1 || maxUncommittedBytes < 1) {
            throw new IllegalArgumentException("inflight and size limits must be positive");
        }
        if (leaseReads && !checkQuorum) {
            throw new IllegalArgumentException("leaseReads requires checkQuorum: the lease is check-quorum's");
        }
    }

    /** Without lease reads. */
    public RaftConfig(String id, Set<String> voters, int electionTicks, int heartbeatTicks, boolean preVote,
                      boolean checkQuorum, int maxInflightMsgs, long maxInflightBytes, long maxMsgBytes,
                      long maxUncommittedBytes) {
        this(id, voters, electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflightMsgs, maxInflightBytes,
                maxMsgBytes, maxUncommittedBytes, false);
    }

    /**
     * Defaults for a 10 ms tick: elections after 200–400 ms of silence, heartbeats every 30 ms; 256 messages or
     * 8 MiB in flight per follower (enough to keep a LAN pipe full at ~1 MiB messages), 32 MiB uncommitted.
     */
    public static RaftConfig defaults(String id, Set<String> voters) {
        return new RaftConfig(id, voters, 20, 3, true, true, 256, 8L << 20, 1L << 20, 32L << 20);
    }
}
