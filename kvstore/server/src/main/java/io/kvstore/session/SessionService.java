package io.kvstore.session;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionCloseResponse;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionInfoRequest;
import io.kvstore.api.v1.SessionInfoResponse;
import io.kvstore.api.v1.SessionKeepAliveRequest;
import io.kvstore.api.v1.SessionKeepAliveResponse;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.StatusMapper.CallKind;
import io.kvstore.server.kv.ForwardedInterceptor;
import io.kvstore.server.kv.Forwarder;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.WriteResult;
import io.kvstore.store.command.Command;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kvstore.v1 Session service. Open and Close are replicated writes, proposed on the leader (a follower forwards
 * them, as KV writes are); exactly once with the header's client id and sequence. KeepAlive and Info are answered
 * from the leader's in-memory {@link SessionTracker}: a member that is not the leader ends a KeepAlive stream with
 * UNAVAILABLE, reason NOT_LEADER and the leader in the trailers, and the client reconnects to the leader (keepalives
 * are not forwarded: a forwarded stream would hide a partition between the client's member and the leader).
 *
 * <p>Threads: gRPC handlers only enqueue proposals or read RocksDB briefly; continuations run on the call executor.
 * {@link #register} schedules the tracker and the {@link TtlReaper} on the server's scheduler thread. Thread-safe.
 */
public final class SessionService extends SessionGrpc.SessionImplBase {

    private static final Logger log = LoggerFactory.getLogger(SessionService.class);
    /** How often the leader checks deadlines: expiry is late by at most this plus one commit. */
    static final long TICK_MILLIS = 100;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final Forwarder forwarder;
    private final Executor executor;
    private final SessionTracker tracker;

    SessionService(MemberDirectory members, RaftNode raft, KvStateMachine store, MemberChannels channels,
                   Executor executor, SessionTracker tracker) {
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.forwarder = new Forwarder(members.self(), channels);
        this.executor = executor;
        this.tracker = tracker;
    }

    /**
     * Builds the service and schedules the leader's session and TTL tasks every {@value #TICK_MILLIS} ms on
     * {@code scheduler} (which the caller owns and shuts down). Register the result through the interceptor chain.
     */
    public static ServerServiceDefinition register(MemberDirectory members, RaftNode raft, KvStateMachine store,
                                                   MemberChannels channels, Executor executor,
                                                   ScheduledExecutorService scheduler) {
        SessionTracker tracker = new SessionTracker(members, raft, store, System::nanoTime);
        TtlReaper reaper = new TtlReaper(members, raft, store, System::nanoTime);
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                tracker.tick();
                reaper.tick();
            } catch (RuntimeException e) {
                log.warn("member {} session tick failed", members.self(), e); // keep the periodic task alive
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        SessionService service = new SessionService(members, raft, store, channels, executor, tracker);
        return ServerInterceptors.intercept(service.bindService(), new ForwardedInterceptor());
    }

    @Override
    public void open(SessionOpenRequest request, StreamObserver<SessionOpenResponse> response) {
        Optional<Failure> invalid = RequestValidator.validate(request);
        if (invalid.isPresent()) {
            response.onError(StatusMapper.toException(invalid.get()));
            return;
        }
        Command command = Command.newBuilder().setClientId(request.getHeader().getClientId())
                .setSequence(request.getHeader().getSequence()).setOpenSession(request.toBuilder().clearHeader())
                .setCaller(io.kvstore.store.Commands.caller()).build();
        write(SessionGrpc.getOpenMethod(), request, command, response);
    }

    @Override
    public void close(SessionCloseRequest request, StreamObserver<SessionCloseResponse> response) {
        Optional<Failure> invalid = RequestValidator.validate(request);
        if (invalid.isPresent()) {
            response.onError(StatusMapper.toException(invalid.get()));
            return;
        }
        Command command = Command.newBuilder().setClientId(request.getHeader().getClientId())
                .setSequence(request.getHeader().getSequence()).setCloseSession(request.toBuilder().clearHeader())
                .setCaller(io.kvstore.store.Commands.caller()).build();
        write(SessionGrpc.getCloseMethod(), request, command, response);
    }

    @Override
    public void info(SessionInfoRequest request, StreamObserver<SessionInfoResponse> response) {
        var session = store.session(request.getSessionId());
        if (session.isEmpty()) {
            response.onError(expired(request.getSessionId()));
            return;
        }
        OptionalLong remaining = tracker.remainingMillis(request.getSessionId());
        response.onNext(SessionInfoResponse.newBuilder().setHeader(header(store.revision()))
                .setSessionId(request.getSessionId()).setTtlMillis(session.get().ttlMillis())
                .setRemainingMillis(remaining.orElse(-1)).setEphemeralCount(session.get().ephemeralCount()).build());
        response.onCompleted();
    }

    @Override
    public StreamObserver<SessionKeepAliveRequest> keepAlive(StreamObserver<SessionKeepAliveResponse> response) {
        return new StreamObserver<>() {
            private boolean ended;

            @Override
            public synchronized void onNext(SessionKeepAliveRequest request) {
                if (ended) {
                    return;
                }
                if (!tracker.tracking()) {
                    ended = true;
                    response.onError(StatusMapper.notLeader("member " + members.self() + " is not the leader: "
                            + "send keepalives to the leader", members.leader()));
                    return;
                }
                OptionalLong ttl;
                try {
                    ttl = tracker.keepAlive(request.getSessionId());
                } catch (IllegalStateException lostLeadership) {
                    ended = true;
                    response.onError(StatusMapper.notLeader(lostLeadership.getMessage(), members.leader()));
                    return;
                }
                response.onNext(SessionKeepAliveResponse.newBuilder().setHeader(header(store.revision()))
                        .setSessionId(request.getSessionId()).setTtlMillis(ttl.orElse(0))
                        .setExpired(ttl.isEmpty()).build());
            }

            @Override
            public synchronized void onError(Throwable t) {
                ended = true; // the client went away; its sessions live until their deadlines
            }

            @Override
            public synchronized void onCompleted() {
                if (!ended) {
                    ended = true;
                    response.onCompleted();
                }
            }
        };
    }

    private <Q, R> void write(MethodDescriptor<Q, R> method, Q request, Command command, StreamObserver<R> response) {
        if (ForwardedInterceptor.FORWARDED_BY.get() == null && !members.isLeader()) {
            forwarder.toLeader(members, method, request, CallKind.WRITE, response);
            return;
        }
        withDeadline(raft.propose(command.toByteString())).whenCompleteAsync((result, error) -> {
            try {
                if (error != null) {
                    response.onError(StatusMapper.ofRaft(error, CallKind.WRITE, members.leader()));
                } else if (result instanceof Failure failure) {
                    response.onError(StatusMapper.toException(failure));
                } else if (result instanceof WriteResult.Success success) {
                    response.onNext(ResponseHeaders.withHeader(success.response(), header(success.revision())));
                    response.onCompleted();
                } else {
                    response.onError(StatusMapper.internal(new IllegalStateException("write without a result")));
                }
            } catch (RuntimeException e) {
                log.debug("could not answer a session call (cancelled?): {}", e.toString());
            }
        }, executor);
    }

    private ResponseHeader header(long revision) {
        return ResponseHeaders.of(members.self(), members.status(), revision, false);
    }

    private static StatusRuntimeException expired(long sessionId) {
        return StatusMapper.toException(Failure.of(ErrorCode.SESSION_EXPIRED, "session " + sessionId
                + " is not live (expired, closed or never opened)"));
    }

    private static <T> CompletableFuture<T> withDeadline(CompletableFuture<T> future) {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? future
                : future.orTimeout(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
    }
}
