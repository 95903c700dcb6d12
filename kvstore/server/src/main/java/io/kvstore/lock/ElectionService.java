package io.kvstore.lock;

import static io.kvstore.lock.LockService.checkKey;
import static io.kvstore.lock.LockService.checkName;
import static io.kvstore.lock.LockService.checkOwner;
import static io.kvstore.lock.LockService.checkSession;
import static io.kvstore.lock.LockService.checkToken;
import static io.kvstore.lock.LockService.complete;
import static io.kvstore.lock.LockService.first;
import static io.kvstore.server.Replies.fail;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.CampaignRequest;
import io.kvstore.api.v1.CampaignResponse;
import io.kvstore.api.v1.ElectionGrpc;
import io.kvstore.api.v1.Fence;
import io.kvstore.api.v1.LeaderKey;
import io.kvstore.api.v1.LeaderRequest;
import io.kvstore.api.v1.LeaderResponse;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.LockWaiter;
import io.kvstore.api.v1.ProclaimRequest;
import io.kvstore.api.v1.ProclaimResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.ResignRequest;
import io.kvstore.api.v1.ResignResponse;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.LockQueue;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.ZPath;
import io.kvstore.store.Znode;
import io.kvstore.watch.WatchHub;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The kvstore.v1 Election service (election.proto): an election is an exclusive lock whose waiters carry the
 * candidates' values. Campaign and Resign are Acquire and Release under {@code /_elections}; Proclaim is a put of
 * the leader's candidate znode fenced by its own token, so a deposed leader cannot overwrite its successor's value;
 * Leader is a linearizable read; Observe streams leadership changes ({@link LeaderObserver}). Thread-safe.
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final WatchHub hub;
    private final Acquirer acquirer;
    private final StoreWriter writer;
    private final Executor executor;
    private final io.kvstore.server.member.MemberStanding standing;

    ElectionService(MemberDirectory members, RaftNode raft, KvStateMachine store, WatchHub hub, Acquirer acquirer,
                    StoreWriter writer, Executor executor, io.kvstore.server.member.MemberStanding standing) {
        this.standing = standing;
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.hub = hub;
        this.acquirer = acquirer;
        this.writer = writer;
        this.executor = executor;
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> response) {
        Optional<Failure> invalid = first(RequestValidator.checkUnfencedHeader(request.getHeader()),
                checkName(request.getName()), checkSession(request.getSessionId()),
                checkOwner(request.getValue().size()), request.getTimeoutMillis() < 0
                        ? Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "timeout_millis must be >= 0"))
                        : Optional.empty());
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        ZPath dir = electionPath(request.getName());
        complete(acquirer.acquire(request.getHeader(), dir, request.getSessionId(), candidate(request.getValue()),
                request.getTimeoutMillis(), false).thenApply(grant -> {
                    CampaignResponse.Builder b = CampaignResponse.newBuilder().setHeader(ResponseHeaders.of(
                            members.self(), members.status(), grant.revision(), false)).setElected(grant.acquired());
                    if (grant.acquired()) {
                        b.setLeader(LeaderKey.newBuilder().setName(request.getName()).setKey(grant.key())
                                .setToken(grant.token()).setLockPath(dir.value()));
                    }
                    return b.build();
                }), response);
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> response) {
        Optional<Failure> invalid = first(RequestValidator.checkUnfencedHeader(request.getHeader()),
                checkLeaderKey(request.getLeader()), checkOwner(request.getValue().size()));
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        LeaderKey leader = request.getLeader();
        PutRequest put = PutRequest.newBuilder().setHeader(request.getHeader().toBuilder().setFence(Fence.newBuilder()
                        .setLockPath(ZPath.parse(leader.getKey()).parent().value()).setToken(leader.getToken())))
                .setPath(leader.getKey()).setValue(candidate(request.getValue()).toByteString()).build();
        complete(writer.put(put).thenApply(r -> ProclaimResponse.newBuilder().setHeader(r.getHeader()).build()),
                response);
    }

    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> response) {
        Optional<Failure> invalid = first(RequestValidator.checkUnfencedHeader(request.getHeader()),
                checkLeaderKey(request.getLeader()));
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        complete(LockService.release(writer, request.getHeader(), request.getLeader().getKey(),
                request.getLeader().getToken()).thenApply(revision -> ResignResponse.newBuilder().setHeader(
                        ResponseHeaders.of(members.self(), members.status(), revision, false)).build()), response);
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> response) {
        Optional<Failure> invalid = checkName(request.getName());
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        raft.readIndex().whenCompleteAsync((index, error) -> {
            if (error != null) {
                fail(response, StatusMapper.ofRaft(error, StatusMapper.CallKind.READ, members.leader()));
                return;
            }
            ZPath dir = electionPath(request.getName());
            KvStateMachine.Children children = store.readChildren(dir, 1);
            if (children.znodes().isEmpty()) {
                fail(response, StatusMapper.toException(Failure.of(ErrorCode.NO_LEADER, "election "
                        + request.getName() + " has no leader")));
                return;
            }
            Znode head = children.znodes().get(0);
            io.kvstore.server.Replies.answer(response, () -> LeaderResponse.newBuilder()
                    .setHeader(ResponseHeaders.of(members.self(), members.status(), children.revision(), false))
                    .setHasLeader(true).setLeader(LeaderKey.newBuilder().setName(request.getName())
                            .setKey(head.path().value()).setToken(head.stat().getCreateRevision())
                            .setLockPath(dir.value()))
                    .setValue(LockQueue.parse(head.data()).getOwner())
                    .setSessionId(head.stat().getEphemeralSessionId()).build());
        }, executor);
    }

    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> response) {
        Optional<Failure> invalid = checkName(request.getName());
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        Optional<Failure> removed = standing.removal();
        if (removed.isPresent()) {
            fail(response, StatusMapper.toException(removed.get())); // a removed member observes nothing more
            return;
        }
        new LeaderObserver(members, request.getName(), (ServerCallStreamObserver<LeaderResponse>) response)
                .start(hub, store, standing);
    }

    private static LockWaiter candidate(com.google.protobuf.ByteString value) {
        return LockWaiter.newBuilder().setMode(LockMode.EXCLUSIVE).setPermits(1).setOwner(value).build();
    }

    private static ZPath electionPath(String name) {
        return ZPath.parse(LockQueue.ELECTIONS_ROOT + "/" + name);
    }

    private static Optional<Failure> checkLeaderKey(LeaderKey leader) {
        return first(checkKey(leader.getKey(), LockQueue.ELECTIONS_ROOT), checkToken(leader.getToken()));
    }
}
