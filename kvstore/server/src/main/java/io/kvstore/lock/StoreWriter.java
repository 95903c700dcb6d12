package io.kvstore.lock;

import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.kv.Forwarder;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Commands;
import io.kvstore.store.Failure;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.WriteResult;
import io.kvstore.store.command.Command;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The lock and election services' writes: proposed through raft when this member leads, otherwise sent to the
 * leader as a KV call (the same path as a client's write forwarded by KvService), so a lock call can be served by
 * any member while its waiting happens on that member's own applied state. Futures complete with the response or
 * exceptionally with a mapped {@link io.grpc.StatusRuntimeException}. A write is bounded by the current gRPC
 * context's deadline, or by {@link #WRITE_TIMEOUT_MILLIS} when there is none (cleanup after a cancelled call runs in
 * a detached context). Thread-safe.
 */
final class StoreWriter {

    /** Bound of a write with no caller deadline: a cleanup delete. As the server's default call deadline. */
    static final long WRITE_TIMEOUT_MILLIS = 10_000;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final Forwarder forwarder;
    private final ScheduledExecutorService scheduler;

    /** @param scheduler times the deadline of a detached (cleanup) write forwarded to the leader */
    StoreWriter(MemberDirectory members, RaftNode raft, MemberChannels channels, ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
        this.members = members;
        this.raft = raft;
        this.forwarder = new Forwarder(members.self(), channels);
    }

    CompletableFuture<CreateResponse> create(CreateRequest request) {
        return write(KVGrpc.getCreateMethod(), request, RequestValidator.validate(request), Commands.of(request));
    }

    CompletableFuture<PutResponse> put(PutRequest request) {
        return write(KVGrpc.getPutMethod(), request, RequestValidator.validate(request), Commands.of(request));
    }

    CompletableFuture<DeleteResponse> delete(DeleteRequest request) {
        return write(KVGrpc.getDeleteMethod(), request, RequestValidator.validate(request), Commands.of(request));
    }

    CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return write(KVGrpc.getTxnMethod(), request, RequestValidator.validate(request), Commands.of(request));
    }

    private <Q, R> CompletableFuture<R> write(MethodDescriptor<Q, R> method, Q request, Optional<Failure> invalid,
                                             Command command) {
        CompletableFuture<R> out = new CompletableFuture<>();
        if (invalid.isPresent()) {
            out.completeExceptionally(StatusMapper.toException(invalid.get()));
            return out;
        }
        long timeoutNanos = Context.current().getDeadline() == null
                ? TimeUnit.MILLISECONDS.toNanos(WRITE_TIMEOUT_MILLIS)
                : Math.max(1, Context.current().getDeadline().timeRemaining(TimeUnit.NANOSECONDS));
        if (members.isLeader()) {
            raft.propose(command.toByteString()).orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
                    .whenComplete((result, error) -> {
                        if (error != null) {
                            out.completeExceptionally(StatusMapper.ofRaft(error, StatusMapper.CallKind.WRITE,
                                    members.leader()));
                        } else if (result instanceof WriteResult.Success s) {
                            // As KvService answers: the response with a header (revision after the write).
                            @SuppressWarnings("unchecked")
                            R response = (R) ResponseHeaders.<com.google.protobuf.Message>withHeader(s.response(),
                                    ResponseHeaders.of(members.self(), members.status(), s.revision(), false));
                            out.complete(response);
                        } else if (result instanceof Failure f) {
                            out.completeExceptionally(StatusMapper.toException(f));
                        } else {
                            out.completeExceptionally(StatusMapper.internal(new IllegalStateException(
                                    "write applied without a result")));
                        }
                    });
            return out;
        }
        StatusMapper.Leader leader = members.leader();
        if (leader.id() == null) {
            out.completeExceptionally(StatusMapper.noLeader(members.self()));
        } else if (leader.clientAddress() == null) {
            out.completeExceptionally(StatusMapper.notLeader("member " + members.self() + " is not the leader, and "
                    + "leader " + leader.id() + " has not published its client address yet", leader));
        } else {
            Context withDeadline = Context.current().getDeadline() != null ? Context.current()
                    : Context.current().fork().withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS,
                            scheduler);
            withDeadline.run(() -> forwarder.forward(method, request, leader, StatusMapper.CallKind.WRITE,
                    new StreamObserver<R>() {
                        @Override
                        public void onNext(R value) {
                            out.complete(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            out.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    }));
        }
        return out;
    }

}
