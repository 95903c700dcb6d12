package io.kvstore.server.kv;

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
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.ListResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.StatusMapper.CallKind;
import io.kvstore.server.interceptor.RequestIdInterceptor;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Commands;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.ListPage;
import io.kvstore.store.ListResult;
import io.kvstore.store.Lookup;
import io.kvstore.store.WriteResult;
import io.kvstore.store.ZPath;
import io.kvstore.store.command.Command;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kvstore.v1 KV service. Requests arrive validated (the interceptor chain ran {@code RequestValidator}).
 *
 * <p><b>Routing.</b> The leader serves writes itself; a follower forwards them to the leader's published client
 * address ({@link Forwarder}). Every member serves linearizable reads itself (see Reads). A forwarded call is always served locally: a member that
 * lost leadership meanwhile answers NOT_LEADER rather than forwarding again. Without a known leader the answer is
 * UNAVAILABLE/NO_QUORUM; with a leader whose address is not yet published, UNAVAILABLE/NOT_LEADER naming it.
 *
 * <p><b>Writes</b> are encoded as a {@link Command} and proposed; the state machine's {@link WriteResult} becomes the
 * response (with a header: revision after the write, member, leader, term) or a status via {@link StatusMapper}.
 * The exactly-once guarantee needs the client's {@code header.client_id} and {@code sequence}; a write without them
 * is proposed without deduplication (the server does not invent an id: a fresh id per request would not make a
 * retry safe, and would push real clients out of the bounded table).
 *
 * <p><b>Reads.</b> {@code serializable=true}: the member's local state, {@code header.serializable=true}, possibly
 * stale. Otherwise linearizable: the answering member gets a read index (the leader confirms it with a quorum round;
 * a follower asks the leader for it), waits until it has applied it, then reads its local state and answers with
 * its own member id. Only when that fails with NOT_LEADER on a member that was not asked by another one (no leader
 * it could ask, or the leader did not answer within two election timeouts) and the leader's client address is
 * known, is the read forwarded to the leader once. Every response header carries the revision it reflects.
 *
 * <p><b>Threads.</b> No gRPC thread waits on a future: raft futures complete on the raft threads, and every
 * continuation (RocksDB reads, error mapping) runs on {@code executor}, except a successful write's answer, which
 * is prebuilt and sent from the apply thread that completed it (one thread hop less per write). A raft future is
 * bounded by the call's deadline (the chain gives every unary call one). Thread-safe.
 */
public final class KvService extends KVGrpc.KVImplBase {

    private static final Logger log = LoggerFactory.getLogger(KvService.class);

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final Forwarder forwarder;
    private final Executor executor;
    /** Refuses writes that add data to a full store; null: no quota. */
    private final SpaceQuota quota;

    /** @param executor runs continuations of raft futures; never a raft thread */
    public KvService(MemberDirectory members, RaftNode raft, KvStateMachine store, MemberChannels channels,
                     Executor executor) {
        this(members, raft, store, channels, executor, null);
    }

    /** As above, with a space quota checked before each write is proposed ({@code null}: none). */
    public KvService(MemberDirectory members, RaftNode raft, KvStateMachine store, MemberChannels channels,
                     Executor executor, SpaceQuota quota) {
        this.quota = quota;
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.forwarder = new Forwarder(members.self(), channels);
        this.executor = executor;
    }

    /** The service with its own forwarding marker; register it through the server's interceptor chain. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(bindService(), new ForwardedInterceptor());
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> response) {
        read(KVGrpc.getGetMethod(), request, request.getSerializable(), serializable -> {
            Lookup lookup = store.get(ZPath.parse(request.getPath()));
            if (!lookup.found()) {
                throw StatusMapper.toException(Failure.of(ErrorCode.NOT_FOUND, request.getPath() + " does not exist"));
            }
            return GetResponse.newBuilder().setHeader(header(lookup.revision(), serializable))
                    .setStat(lookup.znode().stat()).setValue(lookup.znode().data()).build();
        }, response);
    }

    @Override
    public void exists(ExistsRequest request, StreamObserver<ExistsResponse> response) {
        read(KVGrpc.getExistsMethod(), request, request.getSerializable(), serializable -> {
            Lookup lookup = store.get(ZPath.parse(request.getPath()));
            ExistsResponse.Builder b = ExistsResponse.newBuilder().setHeader(header(lookup.revision(), serializable))
                    .setExists(lookup.found());
            if (lookup.found()) {
                b.setStat(lookup.znode().stat());
            }
            return b.build();
        }, response);
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> response) {
        read(KVGrpc.getListMethod(), request, request.getSerializable(), serializable -> {
            ListResult result = store.list(ZPath.parse(request.getPath()), request.getPageToken(), request.getLimit());
            if (result instanceof Failure failure) {
                throw StatusMapper.toException(failure);
            }
            ListPage page = (ListPage) result;
            return ListResponse.newBuilder().setHeader(header(page.revision(), serializable))
                    .addAllNames(page.names()).setNextPageToken(page.nextPageToken()).build();
        }, response);
    }

    @Override
    public void create(CreateRequest request, StreamObserver<CreateResponse> response) {
        write(KVGrpc.getCreateMethod(), request, Commands.of(request), response);
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
        write(KVGrpc.getPutMethod(), request, Commands.of(request), response);
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
        write(KVGrpc.getDeleteMethod(), request, Commands.of(request), response);
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> response) {
        write(KVGrpc.getTxnMethod(), request, Commands.of(request), response);
    }

    /** Reads local state; throws a {@link StatusRuntimeException} for an expected failure. */
    @FunctionalInterface
    private interface LocalRead<R> {
        R read(boolean serializable);
    }

    private <Q, R> void read(MethodDescriptor<Q, R> method, Q request, boolean serializable, LocalRead<R> local,
                             StreamObserver<R> response) {
        if (serializable) {
            answer(response, () -> local.read(true));
            return;
        }
        // Leader or follower alike: a read index confirmed by the leader's quorum (a follower asks the leader for
        // it, dissertation section 6.4.1), applied here, then a local read. The follower serves the read itself,
        // so reads spread over the members instead of all landing on the leader.
        withDeadline(raft.readIndex()).whenCompleteAsync((index, error) -> {
            if (error == null) {
                answer(response, () -> local.read(false));
            } else if (mayForwardRead(error)) {
                // This member could not get a read index (it knows no leader it can ask, or the leader did not
                // answer in time) but knows the leader's client address: let the leader serve the read.
                route(method, request, CallKind.READ, response);
            } else {
                fail(response, StatusMapper.ofRaft(error, CallKind.READ, members.leader()));
            }
        }, callbacks());
    }

    /** A failed follower read index falls back to forwarding once, to a leader other than this member. */
    private boolean mayForwardRead(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        StatusMapper.Leader leader = members.leader();
        return cause instanceof io.kvstore.raft.NotLeaderException && ForwardedInterceptor.FORWARDED_BY.get() == null
                && leader.id() != null && !leader.id().equals(members.self()) && leader.clientAddress() != null
                && !Context.current().isCancelled();
    }

    private <Q, R> void write(MethodDescriptor<Q, R> method, Q request, Command command, StreamObserver<R> response) {
        if (!servesLocally()) {
            route(method, request, CallKind.WRITE, response);
            return;
        }
        java.util.Optional<Failure> noSpace = quota == null ? java.util.Optional.empty() : quota.check(command);
        if (noSpace.isPresent()) {
            fail(response, StatusMapper.toException(noSpace.get()));
            return;
        }
        Executor callbacks = callbacks();
        withDeadline(raft.propose(command.toByteString())).whenComplete((result, error) -> {
            if (error == null && result instanceof WriteResult.Success success) {
                // The common case, answered on the thread that completed the proposal (the raft apply thread):
                // the response is prebuilt and the header is a few volatile reads, so a hop to the call executor
                // would only add a thread wake-up to every write's latency. Everything else (errors may look up
                // the leader's client address in RocksDB) still runs on the call executor, never on raft threads.
                answer(response, () -> ResponseHeaders.withHeader(success.response(), header(success.revision(),
                        false)));
            } else {
                callbacks.execute(() -> writeFailed(result, error, response));
            }
        });
    }

    private <R> void writeFailed(Object result, Throwable error, StreamObserver<R> response) {
        if (error != null) {
            fail(response, StatusMapper.ofRaft(error, CallKind.WRITE, members.leader()));
        } else if (result instanceof Failure failure) {
            fail(response, StatusMapper.toException(failure));
        } else {
            fail(response, StatusMapper.internal(new IllegalStateException("write applied without a result")));
        }
    }

    /** This member is (or was just) the leader, or the call was forwarded here: serve it, never forward it. */
    private boolean servesLocally() {
        return ForwardedInterceptor.FORWARDED_BY.get() != null || members.isLeader();
    }

    private <Q, R> void route(MethodDescriptor<Q, R> method, Q request, CallKind kind, StreamObserver<R> response) {
        StatusMapper.Leader leader = members.leader();
        if (leader.id() == null) {
            fail(response, StatusMapper.noLeader(members.self()));
        } else if (leader.clientAddress() == null) {
            fail(response, StatusMapper.notLeader("member " + members.self() + " is not the leader, and leader "
                    + leader.id() + " has not published its client address yet", leader));
        } else {
            log.debug("forwarding {} to leader {} at {}", method.getBareMethodName(), leader.id(),
                    leader.clientAddress());
            forwarder.forward(method, request, leader, kind, response);
        }
    }

    private ResponseHeader header(long revision, boolean serializable) {
        return ResponseHeaders.of(members.self(), members.status(), revision, serializable);
    }

    /** Continuations run on the executor with the call's context and request id. */
    private Executor callbacks() {
        return RequestIdInterceptor.propagating(executor);
    }

    /** Bounds a raft future by the call's deadline; a timeout completes it with TimeoutException. */
    private static <T> CompletableFuture<T> withDeadline(CompletableFuture<T> future) {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? future
                : future.orTimeout(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
    }

}
