package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.AcquireRequest;
import io.kvstore.api.v1.AcquireResponse;
import io.kvstore.api.v1.AuthGrpc;
import io.kvstore.api.v1.AuthenticateRequest;
import io.kvstore.api.v1.CampaignRequest;
import io.kvstore.api.v1.CampaignResponse;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.ElectionGrpc;
import io.kvstore.api.v1.Fence;
import io.kvstore.api.v1.InfoRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.LeaderRequest;
import io.kvstore.api.v1.LeaderResponse;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.LockGrpc;
import io.kvstore.api.v1.MaintenanceGrpc;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.ProclaimRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.ReleaseRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.ResignRequest;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionInfoRequest;
import io.kvstore.api.v1.SessionKeepAliveRequest;
import io.kvstore.api.v1.SessionKeepAliveResponse;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.SnapshotChunk;
import io.kvstore.api.v1.SnapshotRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.client.KvClient;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth on the Lock, Election and Maintenance services of three members over loopback gRPC, with the calls sent to a
 * follower, so every write they make is forwarded to the leader and checked there again as the caller's. Covers the
 * method table rows (lock by name, election read versus campaign, snapshot for root only), fenced writes, and the
 * removal of a waiter that times out or is cancelled: that delete runs on a timer or cancellation thread, not the
 * call's, and must still reach the leader as the caller (else it is refused and a stale waiter stays queued).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthLockClusterTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);

    private final List<KvServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private ManagedChannel follower;
    private ManagedChannel leader;
    private Metadata root;
    private Metadata alice;
    private Metadata bob;
    private Metadata carol;
    private Metadata dave;
    /** Opened before auth was enabled: it has no owner. */
    private long preAuthSession;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        int leaderIndex = TestServers.startSettled(TestServers.cluster(dir, 3), servers, AWAIT);
        servers.forEach(s -> channels.add(TestServers.channel(s.clientAddress())));
        leader = channels.get(leaderIndex);
        follower = channels.get((leaderIndex + 1) % 3);
        try (KvClient open = KvClient.builder().endpoints(servers.get(leaderIndex).clientAddress().toString())
                .build()) {
            open.auth().addUser("root", "root-pw");
            for (String user : List.of("alice", "bob", "carol")) {
                open.auth().addUser(user, user + "-pw");
                open.auth().addRole(user);
                open.auth().grantRole(user, user);
            }
            // alice: lock "jobs" and election "e" (the prefix covers the waiters; /_locks and /_elections are
            // created by the first waiter, so they need a grant until they exist), and data under /app/.
            open.auth().grant("alice", "/_locks/jobs/", Permission.WRITE);
            open.auth().grant("alice", "/_locks", Permission.WRITE);
            open.auth().grant("alice", "/_elections/e/", Permission.WRITE);
            open.auth().grant("alice", "/_elections", Permission.WRITE);
            // bob may only read election "e"; carol may only write /app/ (no right on any lock path).
            open.auth().grant("bob", "/_elections/e/", Permission.READ);
            open.auth().grant("carol", "/app/", Permission.WRITE);
            // dave may do all alice may (and write /app/): only session ownership keeps him off her sessions.
            open.auth().addUser("dave", "dave-pw");
            open.auth().addRole("dave");
            open.auth().grantRole("dave", "dave");
            for (String prefix : List.of("/_locks/jobs/", "/_locks", "/_elections/e/", "/_elections", "/app/")) {
                open.auth().grant("dave", prefix, Permission.WRITE);
            }
            open.auth().grant("alice", "/app/alice-eph", Permission.WRITE);
            open.put("/app", new byte[0]); // the parent of the ephemerals the session tests create
            preAuthSession = SessionGrpc.newBlockingStub(leader).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .open(SessionOpenRequest.newBuilder().setTtlMillis(3_600_000).build()).getSessionId();
            open.auth().enable();
        }
        root = token("root");
        alice = token("alice");
        bob = token("bob");
        carol = token("carol");
        dave = token("dave");
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(KvServer::close);
    }

    @Test
    void aGrantOnALockAllowsThatLockOnlyAlsoThroughAFollower() {
        long session = session(alice);
        AcquireResponse held = as(alice, LockGrpc.newBlockingStub(follower)).acquire(lock("jobs", session));
        assertTrue(held.getAcquired());
        assertDenied(() -> as(alice, LockGrpc.newBlockingStub(follower)).acquire(lock("other", session)));
        assertDenied(() -> as(alice, LockGrpc.newBlockingStub(leader)).tryAcquire(lock("other", session)));
        assertDenied(() -> as(bob, LockGrpc.newBlockingStub(follower)).acquire(lock("jobs", session(bob))));
        assertDenied(() -> as(bob, LockGrpc.newBlockingStub(follower)).release(ReleaseRequest.newBuilder()
                .setKey(held.getKey()).setFencingToken(held.getFencingToken()).build()));
        as(alice, LockGrpc.newBlockingStub(follower)).release(ReleaseRequest.newBuilder().setKey(held.getKey())
                .setFencingToken(held.getFencingToken()).build());
        assertEquals(0, waiters("/_locks/jobs"));
    }

    @Test
    void aWaiterThatTimesOutOrIsCancelledOnAFollowerIsRemovedOnTheLeader() {
        long session = session(alice);
        AcquireResponse held = as(alice, LockGrpc.newBlockingStub(leader)).acquire(lock("jobs", session));
        assertTrue(held.getAcquired());

        AcquireResponse timedOut = as(alice, LockGrpc.newBlockingStub(follower))
                .acquire(lock("jobs", session).toBuilder().setTimeoutMillis(300).build());
        assertFalse(timedOut.getAcquired());
        assertEquals(1, waiters("/_locks/jobs"), "the timed-out waiter is removed before the answer");

        StatusRuntimeException expired = assertThrows(StatusRuntimeException.class, () -> as(alice,
                LockGrpc.newBlockingStub(follower)).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                .acquire(lock("jobs", session)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, expired.getStatus().getCode());
        Awaiting.until(() -> waiters("/_locks/jobs") == 1, AWAIT,
                () -> "the waiter of the call whose deadline passed was not removed: " + waiters("/_locks/jobs"));

        as(alice, LockGrpc.newBlockingStub(leader)).release(ReleaseRequest.newBuilder().setKey(held.getKey())
                .setFencingToken(held.getFencingToken()).build());
        assertEquals(0, waiters("/_locks/jobs"), "no stale waiter took the lock");
    }

    @Test
    void readOnAnElectionAllowsLeaderAndObserveButNotCampaign() {
        CampaignResponse elected = as(alice, ElectionGrpc.newBlockingStub(follower)).campaign(CampaignRequest
                .newBuilder().setName("e").setSessionId(session(alice)).setValue(ByteString.copyFromUtf8("a1"))
                .build());
        assertTrue(elected.getElected());
        as(alice, ElectionGrpc.newBlockingStub(follower)).proclaim(ProclaimRequest.newBuilder()
                .setLeader(elected.getLeader()).setValue(ByteString.copyFromUtf8("a2")).build());

        LeaderResponse seen = as(bob, ElectionGrpc.newBlockingStub(follower))
                .leader(LeaderRequest.newBuilder().setName("e").build());
        assertEquals("a2", seen.getValue().toStringUtf8());
        Context.CancellableContext observing = Context.current().withCancellation();
        try {
            LeaderResponse first = observing.call(() -> {
                Iterator<LeaderResponse> stream = as(bob, ElectionGrpc.newBlockingStub(follower))
                        .observe(LeaderRequest.newBuilder().setName("e").build());
                return stream.next();
            });
            assertEquals(elected.getLeader().getKey(), first.getLeader().getKey());
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            observing.cancel(null);
        }
        assertDenied(() -> as(bob, ElectionGrpc.newBlockingStub(follower)).campaign(CampaignRequest.newBuilder()
                .setName("e").setSessionId(session(bob)).build()));
        assertDenied(() -> as(bob, ElectionGrpc.newBlockingStub(follower))
                .leader(LeaderRequest.newBuilder().setName("f").build()));
        assertDenied(() -> as(bob, ElectionGrpc.newBlockingStub(follower)).resign(ResignRequest.newBuilder()
                .setLeader(elected.getLeader()).build()));
        as(alice, ElectionGrpc.newBlockingStub(follower)).resign(ResignRequest.newBuilder()
                .setLeader(elected.getLeader()).build());
    }

    @Test
    void onlyRootTakesASnapshotAndAnyUserReadsInfo() {
        assertDenied(() -> as(alice, MaintenanceGrpc.newBlockingStub(follower))
                .snapshot(SnapshotRequest.getDefaultInstance()).hasNext());
        Iterator<SnapshotChunk> chunks = as(root, MaintenanceGrpc.newBlockingStub(follower))
                .snapshot(SnapshotRequest.getDefaultInstance());
        long bytes = 0;
        while (chunks.hasNext()) {
            bytes += chunks.next().getData().size();
        }
        assertTrue(bytes > 0, "root's snapshot has data");
        assertFalse(as(bob, MaintenanceGrpc.newBlockingStub(follower)).info(InfoRequest.getDefaultInstance())
                .getServerVersion().isEmpty());
    }

    /** The fence names a lock path the writer need not be allowed anything on (docs/security.md). */
    @Test
    void aFencedWriteNeedsRightsOnItsPathOnlyNotOnTheFencesLock() {
        AcquireResponse held = as(alice, LockGrpc.newBlockingStub(follower)).acquire(lock("jobs", session(alice)));
        RequestHeader fence = RequestHeader.newBuilder().setFence(Fence.newBuilder().setLockPath(held.getLockPath())
                .setToken(held.getFencingToken())).build();
        as(carol, KVGrpc.newBlockingStub(follower)).put(PutRequest.newBuilder().setHeader(fence)
                .setPath("/app/fenced").setValue(ByteString.copyFromUtf8("1")).setMakeParents(true).build());
        assertDenied(() -> as(carol, KVGrpc.newBlockingStub(follower)).put(PutRequest.newBuilder().setHeader(fence)
                .setPath("/elsewhere").setValue(ByteString.copyFromUtf8("1")).build()));
        as(alice, LockGrpc.newBlockingStub(follower)).release(ReleaseRequest.newBuilder().setKey(held.getKey())
                .setFencingToken(held.getFencingToken()).build());
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> as(carol,
                KVGrpc.newBlockingStub(follower)).put(PutRequest.newBuilder().setHeader(fence)
                .setPath("/app/fenced").setValue(ByteString.copyFromUtf8("2")).build()));
        assertEquals(Optional.of(ErrorCode.FENCED), ErrorTrailers.reason(stale), stale.toString());
    }

    /** Issue 9: a session is its opener's; another user cannot end, keep alive, read or bind to it. Root can. */
    @Test
    void onlyTheOwnerOrRootUsesASession() {
        long alices = session(alice); // opened through the follower: the leader records the forwarded user
        // Info and KeepAlive are answered on the leader; Close and the writes go through the follower, whose
        // forwarded call the leader checks again as the caller's.
        assertDenied(() -> as(dave, SessionGrpc.newBlockingStub(leader)).info(info(alices)));
        assertDenied(() -> keepAlive(dave, alices));
        assertDenied(() -> as(dave, SessionGrpc.newBlockingStub(follower)).close(close(alices)));
        assertDenied(() -> as(dave, KVGrpc.newBlockingStub(follower)).create(ephemeral("/app/dave-on-alice", alices)));
        assertDenied(() -> as(dave, KVGrpc.newBlockingStub(follower)).txn(TxnRequest.newBuilder()
                .addSuccess(TxnOp.newBuilder().setCreate(ephemeral("/app/dave-txn", alices))).build()));
        assertDenied(() -> as(dave, LockGrpc.newBlockingStub(follower)).acquire(lock("jobs", alices)));
        assertDenied(() -> as(dave, LockGrpc.newBlockingStub(follower)).tryAcquire(lock("jobs", alices)));
        assertDenied(() -> as(dave, ElectionGrpc.newBlockingStub(follower)).campaign(CampaignRequest.newBuilder()
                .setName("e").setSessionId(alices).build()));
        StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
                () -> as(dave, SessionGrpc.newBlockingStub(leader)).info(info(alices)));
        assertFalse(denied.getStatus().getDescription().contains("alice"), "the owner is not told: " + denied);

        // Nothing was bound to alice's session; with his own session dave does all of it.
        assertEquals(0, as(alice, SessionGrpc.newBlockingStub(leader)).info(info(alices)).getEphemeralCount());
        long daves = session(dave);
        as(dave, KVGrpc.newBlockingStub(follower)).create(ephemeral("/app/dave-own", daves));
        AcquireResponse held = as(dave, LockGrpc.newBlockingStub(follower)).tryAcquire(lock("jobs", daves));
        assertTrue(held.getAcquired());
        as(dave, LockGrpc.newBlockingStub(follower)).release(ReleaseRequest.newBuilder().setKey(held.getKey())
                .setFencingToken(held.getFencingToken()).build());

        // The owner uses her own session; root may use anyone's.
        assertEquals(60_000, keepAlive(alice, alices).getTtlMillis());
        as(alice, KVGrpc.newBlockingStub(follower)).create(ephemeral("/app/alice-eph", alices));
        assertEquals(1, as(root, SessionGrpc.newBlockingStub(leader)).info(info(alices)).getEphemeralCount());
        assertEquals(60_000, keepAlive(root, daves).getTtlMillis());
        assertEquals(1, as(root, SessionGrpc.newBlockingStub(follower)).close(close(daves)).getDeleted());
        assertEquals(1, as(alice, SessionGrpc.newBlockingStub(follower)).close(close(alices)).getDeleted());
    }

    /** A session opened while auth was off has no owner: any user may still use it, as before. */
    @Test
    void aSessionOpenedBeforeAuthWasEnabledKeepsWorking() {
        assertEquals(3_600_000, as(dave, SessionGrpc.newBlockingStub(leader)).info(info(preAuthSession))
                .getTtlMillis());
        assertEquals(3_600_000, keepAlive(dave, preAuthSession).getTtlMillis());
        as(dave, KVGrpc.newBlockingStub(follower)).create(ephemeral("/app/pre-auth", preAuthSession));
        assertEquals(1, as(alice, SessionGrpc.newBlockingStub(leader)).info(info(preAuthSession))
                .getEphemeralCount());
    }

    private static SessionInfoRequest info(long session) {
        return SessionInfoRequest.newBuilder().setSessionId(session).build();
    }

    private static SessionCloseRequest close(long session) {
        return SessionCloseRequest.newBuilder().setSessionId(session).build();
    }

    private static CreateRequest ephemeral(String path, long session) {
        return CreateRequest.newBuilder().setPath(path).setValue(ByteString.copyFromUtf8("e"))
                .setSessionId(session).build();
    }

    /** One keepalive on the leader's stream: its answer, or the stream's error thrown. */
    private SessionKeepAliveResponse keepAlive(Metadata who, long session) {
        CompletableFuture<SessionKeepAliveResponse> answer = new CompletableFuture<>();
        StreamObserver<SessionKeepAliveRequest> requests = as(who, SessionGrpc.newStub(leader))
                .keepAlive(new StreamObserver<>() {
                    @Override
                    public void onNext(SessionKeepAliveResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(new AssertionError("keepalive stream ended without answer"));
                    }
                });
        requests.onNext(SessionKeepAliveRequest.newBuilder().setSessionId(session).build());
        try {
            return answer.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw new AssertionError(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            requests.onCompleted();
        }
    }

    private Metadata token(String user) {
        String token = Awaiting.succeeds(() -> AuthGrpc.newBlockingStub(leader).withDeadlineAfter(10,
                TimeUnit.SECONDS).authenticate(AuthenticateRequest.newBuilder().setUser(user)
                .setPassword(user + "-pw").build()).getToken(), AWAIT);
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
        return headers;
    }

    private static <S extends AbstractStub<S>> S as(Metadata who, S stub) {
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(who))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private long session(Metadata who) {
        return as(who, SessionGrpc.newBlockingStub(follower)).open(SessionOpenRequest.newBuilder()
                .setTtlMillis(60_000).build()).getSessionId();
    }

    private static AcquireRequest lock(String name, long session) {
        return AcquireRequest.newBuilder().setName(name).setSessionId(session)
                .setOwner(ByteString.copyFromUtf8("test")).build();
    }

    /** The waiters queued on the lock directory {@code dir}, read by root on the leader. */
    private int waiters(String dir) {
        try {
            return as(root, KVGrpc.newBlockingStub(leader)).list(ListRequest.newBuilder().setPath(dir).build())
                    .getNamesCount();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return 0;
            }
            throw e;
        }
    }

    private static void assertDenied(Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
        assertEquals(Optional.of(ErrorCode.PERMISSION_DENIED), ErrorTrailers.reason(e));
    }
}
