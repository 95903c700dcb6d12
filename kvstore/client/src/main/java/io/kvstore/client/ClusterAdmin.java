package io.kvstore.client;

import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.LeaderTransferRequest;
import io.kvstore.api.v1.Member;
import io.kvstore.api.v1.MemberAddRequest;
import io.kvstore.api.v1.MemberListRequest;
import io.kvstore.api.v1.MemberPromoteRequest;
import io.kvstore.api.v1.MemberRemoveRequest;
import io.kvstore.api.v1.MemberRole;
import io.kvstore.api.v1.StatusRequest;
import io.kvstore.api.v1.StatusResponse;
import io.kvstore.client.internal.RetryingCaller;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Cluster membership and leadership, for operators and tooling ({@code kvctl member ...}); obtained from
 * {@link KvClient#cluster()}, sharing its channels, deadlines and retries, and valid until that client is closed.
 *
 * <pre>{@code
 * ClusterAdmin admin = kv.cluster();
 * admin.addLearner("n4", "10.0.0.4:7380");          // n4 was started with --join
 * // ... wait until admin.members() shows n4 with lag 0 ...
 * admin.promote("n4");                               // KvPreconditionException LEARNER_BEHIND until caught up
 * admin.remove("n1");                                // also when n1 leads: it hands leadership over first
 * }</pre>
 *
 * <p><b>Errors.</b> As for {@link KvClient}: {@link KvNotFoundException} (MEMBER_NOT_FOUND),
 * {@link KvAlreadyExistsException} (MEMBER_EXISTS), {@link KvPreconditionException} (LEARNER_BEHIND,
 * TRANSFER_FAILED, NOT_VOTER, LAST_VOTER), {@link KvInvalidArgumentException} (bad name or address),
 * {@link KvUnavailableException} once the retry deadline passed. Retryable answers (not the leader, no leader,
 * CHANGE_IN_PROGRESS) are retried inside.
 *
 * <p><b>Retries and unknown outcomes.</b> Changes carry no exactly-once header. A retried add of a learner with the
 * same address and a retried promote succeed (the server treats them as done); a retried remove whose first attempt
 * was applied fails with MEMBER_NOT_FOUND. After a {@link KvUnavailableException} check {@link #members()}.
 *
 * <p>Thread-safe. Blocking methods wait at most the client's retry deadline plus one request timeout.
 */
public final class ClusterAdmin {

    /** Waits for a future the way {@link KvClient}'s blocking methods do. */
    interface Await {
        <T> T await(CompletableFuture<T> future);
    }

    private final RetryingCaller caller;
    private final Await await;

    ClusterAdmin(RetryingCaller caller, Await await) {
        this.caller = caller;
        this.await = await;
    }

    /** The members in the leader's view, with each member's progress; sorted by name. */
    public List<ClusterMember> members() {
        return members(ReadConsistency.LINEARIZABLE);
    }

    /**
     * The members: LINEARIZABLE asks the leader (with progress), SERIALIZABLE takes the view of whichever member
     * answers (no progress; works without a leader).
     */
    public List<ClusterMember> members(ReadConsistency consistency) {
        MemberListRequest request = MemberListRequest.newBuilder()
                .setSerializable(consistency == ReadConsistency.SERIALIZABLE).build();
        return await.await(caller.read(ClusterGrpc.getMemberListMethod(), request)
                .thenApply(r -> members(r.getMembersList())));
    }

    /**
     * Adds {@code name} as a learner whose raft listens on {@code peerAddress} (host:port, its --peer-addr). Start
     * the member with {@code --join}. Returns the membership after the change.
     */
    public List<ClusterMember> addLearner(String name, String peerAddress) {
        MemberAddRequest request = MemberAddRequest.newBuilder().setName(Objects.requireNonNull(name, "name"))
                .setPeerAddress(Objects.requireNonNull(peerAddress, "peerAddress")).build();
        return await.await(caller.read(ClusterGrpc.getMemberAddMethod(), request)
                .thenApply(r -> members(r.getMembersList())));
    }

    /**
     * Makes learner {@code name} a voter; a voter is left as it is.
     *
     * @throws KvPreconditionException with reason LEARNER_BEHIND while it has not caught up: retry later
     */
    public List<ClusterMember> promote(String name) {
        MemberPromoteRequest request = MemberPromoteRequest.newBuilder().setName(Objects.requireNonNull(name, "name"))
                .build();
        return await.await(caller.read(ClusterGrpc.getMemberPromoteMethod(), request)
                .thenApply(r -> members(r.getMembersList())));
    }

    /** Removes {@code name}; removing the leader first moves leadership to another voter. */
    public List<ClusterMember> remove(String name) {
        MemberRemoveRequest request = MemberRemoveRequest.newBuilder().setName(Objects.requireNonNull(name, "name"))
                .build();
        return await.await(caller.read(ClusterGrpc.getMemberRemoveMethod(), request)
                .thenApply(r -> members(r.getMembersList())));
    }

    /**
     * Hands leadership to voter {@code target}, or to the most up-to-date other voter when null; returns the new
     * leader's name.
     *
     * @throws KvPreconditionException TRANSFER_FAILED when the target did not take over within two election
     *     timeouts (the old leader keeps leading), NOT_VOTER for a learner
     */
    public String transferLeadership(String target) {
        LeaderTransferRequest request = LeaderTransferRequest.newBuilder().setTarget(target == null ? "" : target)
                .build();
        return await.await(caller.read(ClusterGrpc.getLeaderTransferMethod(), request)
                .thenApply(r -> r.getLeader()));
    }

    /**
     * The status of the member at {@code endpoint} (host:port of its client address), in one attempt without
     * retry: a member that does not answer within the request timeout is {@link KvUnavailableException}.
     */
    public MemberStatus status(String endpoint) {
        return await.await(caller.once(Objects.requireNonNull(endpoint, "endpoint"), ClusterGrpc.getStatusMethod(),
                StatusRequest.getDefaultInstance()).thenApply(ClusterAdmin::status));
    }

    private static MemberStatus status(StatusResponse r) {
        return new MemberStatus(r.getName(), r.getRaftRole(), r.getTerm(), r.getLeader(), r.getCommitIndex(),
                r.getAppliedIndex(), r.getLastLogIndex(), r.getRevision(), r.getVotersList(), r.getLearnersList(),
                r.getIsMember(), r.getClusterId());
    }

    private static List<ClusterMember> members(List<Member> members) {
        return members.stream().map(m -> new ClusterMember(m.getName(), m.getRole() == MemberRole.MEMBER_ROLE_VOTER,
                m.getPeerAddress(), m.getClientAddress(), m.getIsLeader(), m.getProgressKnown(), m.getLastLogIndex(),
                m.getAppliedIndex(), m.getLag())).toList();
    }
}
