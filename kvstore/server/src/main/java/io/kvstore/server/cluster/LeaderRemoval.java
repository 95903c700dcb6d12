package io.kvstore.server.cluster;

import io.kvstore.server.Replies;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.MemberRemoveRequest;
import io.kvstore.api.v1.MemberRemoveResponse;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.StatusMapper.CallKind;
import io.kvstore.server.interceptor.RequestIdInterceptor;
import io.kvstore.server.kv.Forwarder;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the member that is leading, which raft cannot do in one step: a leader that removes itself keeps
 * leading a cluster it is no longer part of until the entry commits, and then leaves the others to an election.
 * Instead, on the leader:
 * <pre>
 *   1. hand leadership to the most up-to-date other voter (raft's transfer: TimeoutNow once it has caught up);
 *      failure ends here with TRANSFER_FAILED and nothing changed
 *   2. send MemberRemove(self) to the new leader as a forwarded call, which removes this member like any other;
 *      retried every {@value #RETRY_MILLIS_MIN}..{@value #RETRY_MILLIS_MAX} ms while the answer says "not yet"
 *      (UNAVAILABLE: the new leader has not committed in its term, no leader known yet) until the call's deadline
 *   3. relay the new leader's answer
 * </pre>
 * A retry answered MEMBER_NOT_FOUND means an earlier attempt was applied and only its answer was lost: success.
 * If step 2 runs out of time the old member has already stopped leading but is still a member: the caller sees
 * DEADLINE_EXCEEDED and can repeat the remove at the new leader. Thread-safe.
 */
final class LeaderRemoval {

    private static final Logger log = LoggerFactory.getLogger(LeaderRemoval.class);
    /** A new leader commits its first entry within a few heartbeats (30 ms each by default). */
    static final long RETRY_MILLIS_MIN = 25;
    /** Caps the backoff so an election that takes a second still finishes well inside a 10 s deadline. */
    static final long RETRY_MILLIS_MAX = 400;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final MemberChannels channels;
    private final ScheduledExecutorService scheduler;
    private final Executor callbacks;
    private final Supplier<MemberRemoveResponse> removedAlready;

    LeaderRemoval(MemberDirectory members, RaftNode raft, MemberChannels channels, ScheduledExecutorService scheduler,
                  Executor callbacks, Supplier<MemberRemoveResponse> removedAlready) {
        this.members = members;
        this.raft = raft;
        this.channels = channels;
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.removedAlready = removedAlready;
    }

    /** Runs steps 1 to 3 for {@code request} (which names this member) within the current call's deadline. */
    void run(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> response) {
        Deadline deadline = Context.current().getDeadline();
        String requestId = RequestIdInterceptor.REQUEST_ID.get();
        // The new leader authorizes the removal again, as the original caller (auth).
        io.grpc.Metadata identity = new io.grpc.Metadata();
        io.kvstore.auth.ForwardedIdentity.attach(Context.current(), identity);
        log.info("member {} is asked to remove itself: handing leadership over first", members.self());
        var transfer = raft.transferLeadership(null);
        if (deadline != null) {
            transfer = transfer.orTimeout(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)),
                    TimeUnit.NANOSECONDS);
        }
        transfer.whenCompleteAsync((leader, error) -> {
            if (error != null) {
                Replies.fail(response, ClusterService.transferFailure(error));
                return;
            }
            log.info("member {} handed leadership to {}; asking it to remove {}", members.self(), leader,
                    members.self());
            new Attempts(request, response, deadline, requestId, identity).attempt();
        }, callbacks);
    }

    /** Step 2 for one request: its attempts share the deadline. */
    private final class Attempts {
        private final MemberRemoveRequest request;
        private final StreamObserver<MemberRemoveResponse> response;
        private final Deadline deadline;
        private final String requestId;
        private final Metadata identity;
        private int attempts;

        Attempts(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> response, Deadline deadline,
                 String requestId, Metadata identity) {
            this.identity = identity;
            this.request = request;
            this.response = response;
            this.deadline = deadline;
            this.requestId = requestId;
        }

        void attempt() {
            if (deadline != null && deadline.isExpired()) {
                Replies.fail(response, Status.DEADLINE_EXCEEDED.withDescription("member " + members.self()
                        + " handed leadership over, but the new leader did not confirm its removal before the "
                        + "deadline; repeat the remove").asRuntimeException());
                return;
            }
            attempts++;
            StatusMapper.Leader leader = members.leader();
            if (leader.id() == null || leader.id().equals(members.self()) || leader.clientAddress() == null) {
                later();
                return;
            }
            Metadata headers = new Metadata();
            headers.put(Forwarder.FORWARDED_BY, members.self());
            if (requestId != null) {
                headers.put(RequestIdInterceptor.HEADER, requestId);
            }
            headers.merge(identity);
            CallOptions options = deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
            ClientCall<MemberRemoveRequest, MemberRemoveResponse> call;
            try {
                call = ClientInterceptors.intercept(channels.get(leader.clientAddress()),
                        MetadataUtils.newAttachHeadersInterceptor(headers))
                        .newCall(ClusterGrpc.getMemberRemoveMethod(), options);
            } catch (RuntimeException closed) {
                Replies.fail(response, StatusMapper.internal(closed));
                return;
            }
            ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
                private MemberRemoveResponse answer;

                @Override
                public void onNext(MemberRemoveResponse value) {
                    answer = value;
                }

                @Override
                public void onError(Throwable t) {
                    failed(t, leader);
                }

                @Override
                public void onCompleted() {
                    Replies.answer(response, () -> answer);
                }
            });
        }

        private void failed(Throwable t, StatusMapper.Leader leader) {
            ErrorCode reason = ErrorTrailers.reason(t).orElse(null);
            Status.Code code = Status.fromThrowable(t).getCode();
            if (reason == ErrorCode.MEMBER_NOT_FOUND && attempts > 1) {
                Replies.answer(response, removedAlready::get);
            } else if (code == Status.Code.UNAVAILABLE || reason == ErrorCode.BUSY) {
                later();
            } else {
                Replies.fail(response, StatusMapper.ofForwarded(t, CallKind.WRITE, leader));
            }
        }

        private void later() {
            long delay = Math.min(RETRY_MILLIS_MAX, RETRY_MILLIS_MIN << Math.min(attempts, 10));
            try {
                scheduler.schedule(() -> callbacks.execute(this::attempt), delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                Replies.fail(response, StatusMapper.noLeader(members.self()));
            }
        }
    }
}
