package io.kvstore.server.cluster;

import static io.kvstore.server.Replies.answer;
import static io.kvstore.server.Replies.fail;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.LeaderTransferRequest;
import io.kvstore.api.v1.LeaderTransferResponse;
import io.kvstore.api.v1.Member;
import io.kvstore.api.v1.MemberAddRequest;
import io.kvstore.api.v1.MemberAddResponse;
import io.kvstore.api.v1.MemberListRequest;
import io.kvstore.api.v1.MemberListResponse;
import io.kvstore.api.v1.MemberPromoteRequest;
import io.kvstore.api.v1.MemberPromoteResponse;
import io.kvstore.api.v1.MemberRemoveRequest;
import io.kvstore.api.v1.MemberRemoveResponse;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.StatusRequest;
import io.kvstore.api.v1.StatusResponse;
import io.kvstore.raft.RaftBusyException;
import io.kvstore.raft.RaftNode;
import io.kvstore.raft.RaftNodeOptions;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.MembershipChange;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.StatusMapper.CallKind;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.interceptor.RequestIdInterceptor;
import io.kvstore.server.kv.ForwardedInterceptor;
import io.kvstore.server.kv.Forwarder;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kvstore.v1 Cluster service (see cluster.proto for the contract of each call).
 *
 * <p><b>Routing.</b> Status and serializable MemberList are answered by the member asked. Changes (add, promote,
 * remove, transfer) and the default MemberList run on the leader: a follower forwards them with {@link Forwarder},
 * exactly as KV writes are forwarded; a forwarded call reaching a member that is no longer leader is answered
 * UNAVAILABLE/NOT_LEADER with the leader trailers, and clients retry.
 *
 * <p><b>Outcomes.</b> Each change is checked against the membership in the leader's log first, so the common
 * mistakes get a precise reason (MEMBER_NOT_FOUND, MEMBER_EXISTS, NOT_VOTER, LAST_VOTER, LEARNER_BEHIND) instead of
 * raft's generic refusal. A raft "busy" refusal of a change (a pending change, no commit in the new leader's term
 * yet, a transfer running) is UNAVAILABLE/CHANGE_IN_PROGRESS: nothing changed, retry. Removing the leader itself is
 * {@link LeaderRemoval}.
 *
 * <p><b>Threads.</b> As in the KV service: no gRPC thread waits, raft futures are bounded by the call's deadline,
 * continuations run on {@code executor}. Thread-safe.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {

    private static final Logger log = LoggerFactory.getLogger(ClusterService.class);

    /**
     * A learner more than this many entries behind the leader's last index is not proposed for promotion
     * (LEARNER_BEHIND). The raft core applies the same bound (RaftCore.PROMOTION_LAG_MAX, 1024) to its match index;
     * checking here too turns the core's generic "busy" into a precise reason with the distance.
     */
    static final long PROMOTION_LAG_MAX = 1024;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final String clusterId;
    private final Forwarder forwarder;
    private final MemberViews views;
    private final LeaderRemoval leaderRemoval;
    private final Executor executor;

    /**
     * @param configuredPeers this member's {@code --cluster} list: peer addresses of members the log has none for
     * @param executor runs continuations of raft futures and probes; never a raft thread
     * @param scheduler runs the retry timer of {@link LeaderRemoval}
     */
    public ClusterService(MemberDirectory members, RaftNode raft, KvStateMachine store, MemberChannels channels,
                          Map<String, HostPort> configuredPeers, String clusterId, Executor executor,
                          ScheduledExecutorService scheduler) {
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.clusterId = clusterId;
        this.forwarder = new Forwarder(members.self(), channels);
        this.views = new MemberViews(members, channels, configuredPeers, this::ownStatus);
        this.leaderRemoval = new LeaderRemoval(members, raft, channels, scheduler, callbacksFor(executor),
                () -> MemberRemoveResponse.newBuilder().setHeader(header()).addAllMembers(views.local()).build());
        this.executor = executor;
    }

    /** The service with its forwarding marker; register it through the server's interceptor chain. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(bindService(), new ForwardedInterceptor());
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> response) {
        answer(response, this::ownStatus);
    }

    private StatusResponse ownStatus() {
        RaftStatus status = raft.status();
        Membership membership = raft.membership();
        return StatusResponse.newBuilder().setHeader(header()).setName(members.self())
                .setRaftRole(status.role().name()).setTerm(status.term())
                .setLeader(status.leaderId() == null ? "" : status.leaderId())
                .setCommitIndex(status.commitIndex()).setAppliedIndex(status.appliedIndex())
                .setLastLogIndex(status.lastIndex()).setRevision(store.revision())
                .addAllVoters(membership.voters().stream().sorted().toList())
                .addAllLearners(membership.learners().stream().sorted().toList())
                .setIsLearner(membership.learners().contains(members.self()))
                .setIsMember(membership.contains(members.self())).setClusterId(clusterId).build();
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> response) {
        if (request.getSerializable() || (!members.isLeader() && isForwarded())) {
            answer(response, () -> listResponse(views.local()));
        } else if (members.isLeader()) {
            views.withProgress().whenCompleteAsync((list, error) -> {
                if (error != null) {
                    fail(response, StatusMapper.internal(error));
                } else {
                    answer(response, () -> listResponse(list));
                }
            }, callbacks());
        } else {
            route(ClusterGrpc.getMemberListMethod(), request, CallKind.READ, response);
        }
    }

    private MemberListResponse listResponse(List<Member> list) {
        return MemberListResponse.newBuilder().setHeader(header()).addAllMembers(list)
                .setLeader(members.leaderId().orElse("")).build();
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> response) {
        onLeader(ClusterGrpc.getMemberAddMethod(), request, response, () -> {
            String name = request.getName();
            Optional<Failure> invalid = invalidName(name).or(() -> invalidPeerAddress(request.getPeerAddress()));
            if (invalid.isPresent()) {
                fail(response, StatusMapper.toException(invalid.get()));
                return;
            }
            Membership membership = raft.membership();
            if (membership.learners().contains(name)
                    && request.getPeerAddress().equals(membership.addresses().get(name))) {
                answer(response, () -> MemberAddResponse.newBuilder().setHeader(header())
                        .addAllMembers(views.local()).build()); // a retried add: already done
                return;
            }
            if (membership.contains(name)) {
                fail(response, StatusMapper.toException(Failure.of(ErrorCode.MEMBER_EXISTS, "member '" + name
                        + "' is already a " + roleOf(membership, name) + " of the cluster"
                        + (membership.addresses().containsKey(name) ? " at " + membership.addresses().get(name) : "")
                        + "; remove it first to re-add it")));
                return;
            }
            change(MembershipChange.addLearner(name, request.getPeerAddress()), response,
                    () -> MemberAddResponse.newBuilder().setHeader(header()).addAllMembers(views.local()).build());
        });
    }

    @Override
    public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> response) {
        onLeader(ClusterGrpc.getMemberPromoteMethod(), request, response, () -> {
            String name = request.getName();
            Membership membership = raft.membership();
            if (!membership.contains(name)) {
                fail(response, notFound(name));
                return;
            }
            if (membership.voters().contains(name)) {
                answer(response, () -> MemberPromoteResponse.newBuilder().setHeader(header())
                        .addAllMembers(views.local()).build()); // already a voter: nothing to do
                return;
            }
            long leaderLast = raft.status().lastIndex();
            views.probe(name).whenCompleteAsync((progress, error) -> {
                long behind = progress.map(p -> Math.max(0, leaderLast - p.lastLogIndex())).orElse(-1L);
                if (behind > PROMOTION_LAG_MAX || (progress.isEmpty() && members.clientAddressOf(name).isEmpty())) {
                    fail(response, learnerBehind(name, behind));
                    return;
                }
                withDeadline(raft.changeMembership(MembershipChange.promote(name))).whenCompleteAsync((ok, failed) -> {
                    if (failed == null) {
                        answer(response, () -> MemberPromoteResponse.newBuilder().setHeader(header())
                                .addAllMembers(views.local()).build());
                    } else if (unwrap(failed) instanceof RaftBusyException && progress.isEmpty()) {
                        // The learner did not tell us how far it is, and raft refused: most likely not caught up.
                        fail(response, learnerBehind(name, behind));
                    } else {
                        fail(response, changeFailure(failed));
                    }
                }, callbacks());
            }, callbacks());
        });
    }

    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> response) {
        onLeader(ClusterGrpc.getMemberRemoveMethod(), request, response, () -> {
            String name = request.getName();
            Membership membership = raft.membership();
            if (!membership.contains(name)) {
                fail(response, notFound(name));
                return;
            }
            if (membership.voters().contains(name) && membership.voters().size() == 1) {
                fail(response, StatusMapper.toException(Failure.of(ErrorCode.LAST_VOTER, "member '" + name
                        + "' is the only voter: removing it would leave a cluster that can never commit")));
                return;
            }
            if (name.equals(members.self())) {
                leaderRemoval.run(request, response);
                return;
            }
            change(MembershipChange.remove(name), response,
                    () -> MemberRemoveResponse.newBuilder().setHeader(header()).addAllMembers(views.local()).build());
        });
    }

    @Override
    public void leaderTransfer(LeaderTransferRequest request, StreamObserver<LeaderTransferResponse> response) {
        onLeader(ClusterGrpc.getLeaderTransferMethod(), request, response, () -> {
            String target = request.getTarget().isEmpty() ? null : request.getTarget();
            Membership membership = raft.membership();
            if (target != null && !membership.contains(target)) {
                fail(response, notFound(target));
                return;
            }
            if (target != null && !membership.voters().contains(target)) {
                fail(response, StatusMapper.toException(Failure.of(ErrorCode.NOT_VOTER, "member '" + target
                        + "' is a learner: only a voter can lead (promote it first)")));
                return;
            }
            if (target == null && membership.voters().size() == 1) {
                fail(response, StatusMapper.toException(Failure.of(ErrorCode.NOT_VOTER,
                        "there is no other voter to hand leadership to")));
                return;
            }
            withDeadline(raft.transferLeadership(target)).whenCompleteAsync((leader, error) -> {
                if (error == null) {
                    log.info("member {} handed leadership to {}", members.self(), leader);
                    answer(response, () -> LeaderTransferResponse.newBuilder().setHeader(header()).setLeader(leader)
                            .build());
                } else {
                    fail(response, transferFailure(error));
                }
            }, callbacks());
        });
    }

    /** The status for a failed {@code transferLeadership}: raft's bounded wait running out is TRANSFER_FAILED. */
    static StatusRuntimeException transferFailure(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof RaftBusyException) {
            return StatusMapper.toException(Failure.of(ErrorCode.TRANSFER_FAILED, cause.getMessage()
                    + "; the old leader keeps leading"));
        }
        if (cause instanceof IllegalArgumentException) {
            return StatusMapper.toException(Failure.of(ErrorCode.NOT_VOTER, cause.getMessage()));
        }
        return StatusMapper.ofRaft(error, CallKind.WRITE, StatusMapper.Leader.UNKNOWN);
    }

    /** Proposes {@code change} and answers with {@code success} once applied here. */
    private <R> void change(MembershipChange change, StreamObserver<R> response, java.util.function.Supplier<R> success) {
        withDeadline(raft.changeMembership(change)).whenCompleteAsync((ok, error) -> {
            if (error == null) {
                log.info("member {} applied membership change {} {}", members.self(), change.kind(),
                        change.memberId());
                answer(response, success);
            } else {
                fail(response, changeFailure(error));
            }
        }, callbacks());
    }

    /** The status for a failed {@code changeMembership}; see the class comment. */
    StatusRuntimeException changeFailure(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof RaftBusyException) {
            return StatusMapper.toException(Failure.of(ErrorCode.CHANGE_IN_PROGRESS, cause.getMessage()
                    + "; nothing changed, retry"));
        }
        if (cause instanceof IllegalArgumentException) {
            // A concurrent change won the race against our pre-checks.
            return StatusMapper.toException(Failure.of(ErrorCode.INVALID_ARGUMENT, cause.getMessage()));
        }
        return StatusMapper.ofRaft(error, CallKind.WRITE, members.leader());
    }

    private static StatusRuntimeException learnerBehind(String name, long behind) {
        return StatusMapper.toException(Failure.of(ErrorCode.LEARNER_BEHIND, "learner '" + name + "' has not caught "
                + "up with the leader (" + (behind < 0 ? "it has not reported its progress yet"
                : behind + " entries behind, at most " + PROMOTION_LAG_MAX + " allowed")
                + "); retry once it has (see 'kvctl member list')"));
    }

    private static StatusRuntimeException notFound(String name) {
        return StatusMapper.toException(Failure.of(ErrorCode.MEMBER_NOT_FOUND, "no member '" + name
                + "' in the cluster"));
    }

    private static String roleOf(Membership membership, String name) {
        return membership.voters().contains(name) ? "voter" : "learner";
    }

    private static Optional<Failure> invalidName(String name) {
        try {
            MembershipChange.promote(name); // validates the id rule shared by raft, the CLI and the log
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "name: " + e.getMessage()));
        }
    }

    private static Optional<Failure> invalidPeerAddress(String address) {
        try {
            RaftNodeOptions.parseAddress(address);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "peer_address: " + e.getMessage()));
        }
    }

    /** Runs {@code onLeader} here when leading, else forwards (or answers NOT_LEADER for a forwarded call). */
    private <Q, R> void onLeader(MethodDescriptor<Q, R> method, Q request, StreamObserver<R> response,
                                 Runnable onLeader) {
        if (members.isLeader()) {
            onLeader.run();
        } else if (isForwarded()) {
            fail(response, StatusMapper.notLeader("member " + members.self() + " is not the leader",
                    members.leader()));
        } else {
            route(method, request, CallKind.WRITE, response);
        }
    }

    private <Q, R> void route(MethodDescriptor<Q, R> method, Q request, CallKind kind, StreamObserver<R> response) {
        StatusMapper.Leader leader = members.leader();
        if (leader.id() == null) {
            fail(response, StatusMapper.noLeader(members.self()));
        } else if (leader.clientAddress() == null) {
            fail(response, StatusMapper.notLeader("member " + members.self() + " is not the leader, and leader "
                    + leader.id() + " has not published its client address yet", leader));
        } else {
            forwarder.forward(method, request, leader, kind, response);
        }
    }

    private static boolean isForwarded() {
        return ForwardedInterceptor.FORWARDED_BY.get() != null;
    }

    private ResponseHeader header() {
        return ResponseHeaders.of(members.self(), members.status(), store.revision(), false);
    }

    private Executor callbacks() {
        return callbacksFor(executor);
    }

    private static Executor callbacksFor(Executor executor) {
        return RequestIdInterceptor.propagating(executor);
    }

    private static <T> CompletableFuture<T> withDeadline(CompletableFuture<T> future) {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? future
                : future.orTimeout(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

}
