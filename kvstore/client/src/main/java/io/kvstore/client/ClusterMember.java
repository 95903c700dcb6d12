package io.kvstore.client;

/**
 * One member of the cluster as {@link ClusterAdmin#members()} reports it. Immutable.
 *
 * @param name the member's name (its raft id)
 * @param voter true for a voter, false for a learner (receives the log, does not vote)
 * @param peerAddress where its raft listens (host:port); empty when the answering member does not know it
 * @param clientAddress the client address it published; empty until it has
 * @param leader whether it leads, as the answering member knows
 * @param progressKnown whether the three fields below are filled (only in the leader's view, for members that
 *     answered the leader's probe)
 * @param lastLogIndex its last log index, as it reported it
 * @param appliedIndex its applied index, as it reported it
 * @param lag entries its log is behind the leader's last index (0 = caught up)
 */
public record ClusterMember(String name, boolean voter, String peerAddress, String clientAddress, boolean leader,
                            boolean progressKnown, long lastLogIndex, long appliedIndex, long lag) {}
