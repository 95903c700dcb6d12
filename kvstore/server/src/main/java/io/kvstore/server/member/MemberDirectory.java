package io.kvstore.server.member;

import io.kvstore.raft.RaftNode;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.server.StatusMapper;
import io.kvstore.store.KvStateMachine;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What this member knows about the cluster's members: who it is, who leads (from raft's status), and each member's
 * published client address (from the replicated attributes in {@link KvStateMachine#clientAddressOf}). Every answer
 * is a fresh read, so it may be stale by the time it is used: callers handle NOT_LEADER from the member they pick.
 * Thread-safe; usable until the raft node and the state machine are closed.
 */
public final class MemberDirectory {

    private final String self;
    private final Set<String> members;
    private final RaftNode raft;
    private final KvStateMachine store;

    /**
     * @param self this member's name
     * @param members the members named in {@code --cluster}
     */
    public MemberDirectory(String self, Set<String> members, RaftNode raft, KvStateMachine store) {
        this.self = Objects.requireNonNull(self, "self");
        this.members = Set.copyOf(members);
        this.raft = Objects.requireNonNull(raft, "raft");
        this.store = Objects.requireNonNull(store, "store");
    }

    /** This member's name. */
    public String self() {
        return self;
    }

    /**
     * Whether {@code name} is a member: in the membership of this member's log (which includes learners added at
     * runtime), or configured in {@code --cluster} while this member has not learned any membership yet.
     */
    public boolean isMember(String name) {
        io.kvstore.raft.core.Membership membership = raft.membership();
        return membership.contains(name) || (membership.all().isEmpty() && members.contains(name));
    }

    /** The membership in this member's log (the last one, committed or not). */
    public io.kvstore.raft.core.Membership membership() {
        return raft.membership();
    }

    /** Raft's current view: role, term, leader. */
    public RaftStatus status() {
        return raft.status();
    }

    /** The leader this member follows (itself when leader), if it knows one. */
    public Optional<String> leaderId() {
        return Optional.ofNullable(raft.status().leaderId());
    }

    /** Whether this member believes it is the leader (it may have been deposed a moment ago). */
    public boolean isLeader() {
        return self.equals(raft.status().leaderId());
    }

    /** The client address {@code memberId} published, if it did. */
    public Optional<String> clientAddressOf(String memberId) {
        return store.clientAddressOf(memberId);
    }

    /** The leader's name and client address, each {@code null} when unknown: what NOT_LEADER trailers carry. */
    public StatusMapper.Leader leader() {
        String id = raft.status().leaderId();
        return id == null ? StatusMapper.Leader.UNKNOWN : new StatusMapper.Leader(id, clientAddressOf(id).orElse(null));
    }
}
