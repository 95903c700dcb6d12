package io.kvstore.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.AcquireRequest;
import io.kvstore.api.v1.AcquireResponse;
import io.kvstore.api.v1.Fence;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.LockGrpc;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.ReleaseRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Lock service on one member over loopback gRPC. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockServiceTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);
    private KvServer server;
    private ManagedChannel channel;
    private KVGrpc.KVBlockingStub kv;
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        server = KvServer.start(TestServers.single(dir));
        channel = TestServers.channel(server.clientAddress());
        kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
        Awaiting.succeeds(() -> session(60_000), AWAIT);
    }

    @AfterAll
    void stop() {
        callers.shutdownNow();
        channel.shutdownNow();
        server.close();
    }

    @Test
    void acquireGivesAFencingTokenThatGuardsWrites() {
        long s = session(60_000);
        AcquireResponse first = lock().acquire(request("fence", s).build());
        assertTrue(first.getAcquired());
        assertEquals("/_locks/fence", first.getLockPath());
        assertTrue(first.getKey().startsWith("/_locks/fence/w-"), first.getKey());
        assertEquals(first.getFencingToken(), kv.get(GetRequest.newBuilder().setPath(first.getKey()).build())
                .getStat().getCreateRevision(), "the token is the waiter's create_revision");

        kv.put(fenced("/fenced-data", "a", first));
        lock().release(release(first));
        AcquireResponse second = lock().acquire(request("fence", s).build());
        assertTrue(second.getFencingToken() > first.getFencingToken(), "tokens strictly increase per grant");

        StatusRuntimeException stale = assertReason("FENCED", () -> kv.put(fenced("/fenced-data", "b", first)));
        assertEquals(Status.Code.FAILED_PRECONDITION, stale.getStatus().getCode());
        assertTrue(stale.getStatus().getDescription().contains("/_locks/fence"), stale.getMessage());
        assertEquals("a", kv.get(GetRequest.newBuilder().setPath("/fenced-data").build()).getValue().toStringUtf8());
        kv.put(fenced("/fenced-data", "c", second));
        lock().release(release(second));
    }

    @Test
    void tryAcquireDoesNotWaitAndLeavesNoWaiter() {
        long s = session(60_000);
        AcquireResponse held = lock().acquire(request("try", s).build());
        AcquireResponse tried = lock().tryAcquire(request("try", s).build());
        assertFalse(tried.getAcquired());
        assertEquals(0, tried.getFencingToken());
        assertEquals(1, waiters("try"), "the failed try removed its waiter");
        lock().release(release(held));
        assertTrue(lock().tryAcquire(request("try", s).build()).getAcquired());
    }

    @Test
    void waitersAreGrantedFirstComeFirstServed() throws Exception {
        long s = session(60_000);
        AcquireResponse holder = lock().acquire(request("fifo", s).build());
        List<CompletableFuture<AcquireResponse>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(CompletableFuture.supplyAsync(() -> lock().acquire(request("fifo", s).build()), callers));
            int expected = i + 2;
            Awaiting.until(() -> waiters("fifo") == expected, AWAIT, () -> "waiter " + expected + " not queued");
        }
        AcquireResponse previous = holder;
        for (CompletableFuture<AcquireResponse> next : queued) {
            assertFalse(next.isDone(), "granted before its predecessor released");
            lock().release(release(previous));
            AcquireResponse granted = next.get(20, TimeUnit.SECONDS);
            assertTrue(granted.getAcquired());
            assertTrue(granted.getFencingToken() > previous.getFencingToken());
            previous = granted;
        }
        lock().release(release(previous));
    }

    @Test
    void sessionExpiryReleasesTheLock() throws Exception {
        long dying = session(1_000); // never kept alive
        AcquireResponse held = lock().acquire(request("expiry", dying).build());
        long s = session(60_000);
        AcquireResponse next = lock().acquire(request("expiry", s).build());
        assertTrue(next.getAcquired());
        assertTrue(next.getFencingToken() > held.getFencingToken());
        assertReason("FENCED", () -> kv.put(fenced("/expiry-data", "x", held)));
        lock().release(release(next));
    }

    @Test
    void aWaiterWhoseSessionEndsFailsSessionExpired() {
        long s = session(60_000);
        AcquireResponse held = lock().acquire(request("lost", s).build());
        long dying = session(1_000);
        assertReason("SESSION_EXPIRED", () -> lock().acquire(request("lost", dying).build()));
        lock().release(release(held));
    }

    @Test
    void aCancelledOrTimedOutWaiterIsRemoved() {
        long s = session(60_000);
        AcquireResponse held = lock().acquire(request("cancel", s).build());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> LockGrpc.newBlockingStub(channel)
                .withDeadlineAfter(500, TimeUnit.MILLISECONDS).acquire(request("cancel", s).build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        Awaiting.until(() -> waiters("cancel") == 1, AWAIT, () -> "the cancelled waiter was not removed");

        AcquireResponse timedOut = lock().acquire(request("cancel", s).setTimeoutMillis(300).build());
        assertFalse(timedOut.getAcquired());
        assertEquals(1, waiters("cancel"), "the timed-out waiter was removed before the answer");
        lock().release(release(held));
    }

    @Test
    void readersShareAndWritersExclude() throws Exception {
        long s = session(60_000);
        AcquireResponse r1 = lock().acquire(request("rw", s).setMode(LockMode.SHARED).build());
        AcquireResponse r2 = lock().acquire(request("rw", s).setMode(LockMode.SHARED).build());
        assertTrue(r1.getAcquired() && r2.getAcquired(), "readers share");
        CompletableFuture<AcquireResponse> writer = CompletableFuture.supplyAsync(
                () -> lock().acquire(request("rw", s).build()), callers);
        Awaiting.until(() -> waiters("rw") == 3, AWAIT, () -> "writer not queued");
        assertFalse(lock().tryAcquire(request("rw", s).setMode(LockMode.SHARED).build()).getAcquired(),
                "a reader behind a queued writer waits");
        lock().release(release(r1));
        assertFalse(writer.isDone());
        lock().release(release(r2));
        AcquireResponse w = writer.get(20, TimeUnit.SECONDS);
        assertTrue(w.getAcquired());
        lock().release(release(w));

        AcquireResponse p1 = lock().acquire(request("sem", s).setPermits(2).build());
        AcquireResponse p2 = lock().acquire(request("sem", s).setPermits(2).build());
        assertTrue(p1.getAcquired() && p2.getAcquired(), "two permits");
        CompletableFuture<AcquireResponse> p3 = CompletableFuture.supplyAsync(
                () -> lock().acquire(request("sem", s).setPermits(2).build()), callers);
        Awaiting.until(() -> waiters("sem") == 3, AWAIT, () -> "third not queued");
        assertFalse(p3.isDone());
        lock().release(release(p1));
        assertTrue(p3.get(20, TimeUnit.SECONDS).getAcquired());
    }

    @Test
    void badInputGetsClearErrors() {
        long s = session(60_000);
        StatusRuntimeException name = assertReason("INVALID_LOCK_NAME",
                () -> lock().acquire(request("a/b", s).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, name.getStatus().getCode());
        assertReason("INVALID_LOCK_NAME", () -> lock().acquire(request("", s).build()));
        assertReason("INVALID_ARGUMENT", () -> lock().acquire(request("nosession", 0).build()));
        assertReason("SESSION_EXPIRED", () -> lock().acquire(request("nosession", 999_999).build()));
        assertReason("INVALID_ARGUMENT", () -> lock().acquire(request("x", s).setPermits(10_001).build()));

        AcquireResponse held = lock().acquire(request("bad", s).build());
        lock().release(release(held));
        StatusRuntimeException again = assertReason("LOCK_NOT_HELD", () -> lock().release(release(held)));
        assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
        assertReason("INVALID_ARGUMENT", () -> lock().release(ReleaseRequest.newBuilder().setKey("/data/x")
                .setFencingToken(1).build()));

        AcquireResponse other = lock().acquire(request("other", s).build());
        AcquireResponse mine = lock().acquire(request("mine", s).build());
        assertReason("FENCED", () -> kv.put(PutRequest.newBuilder().setHeader(RequestHeader.newBuilder()
                .setFence(Fence.newBuilder().setLockPath(mine.getLockPath()).setToken(other.getFencingToken())))
                .setPath("/x").build()));
        assertReason("INVALID_ARGUMENT", () -> kv.put(PutRequest.newBuilder().setHeader(RequestHeader.newBuilder()
                .setFence(Fence.newBuilder().setLockPath(mine.getLockPath()))).setPath("/x").build()));
        lock().release(release(other));
        lock().release(release(mine));
    }

    @Test
    void aRetriedAcquireRejoinsItsWaiter() {
        long s = session(60_000);
        AcquireRequest once = request("retry", s).setHeader(RequestHeader.newBuilder().setClientId("retrier")
                .setSequence(1)).build();
        AcquireResponse first = lock().acquire(once);
        AcquireResponse again = lock().acquire(once);
        assertEquals(first.getKey(), again.getKey());
        assertEquals(first.getFencingToken(), again.getFencingToken());
        assertEquals(1, waiters("retry"));
        lock().release(release(first));
    }

    private LockGrpc.LockBlockingStub lock() {
        return LockGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
    }

    private static AcquireRequest.Builder request(String name, long session) {
        return AcquireRequest.newBuilder().setName(name).setSessionId(session)
                .setOwner(ByteString.copyFromUtf8("test"));
    }

    private static ReleaseRequest release(AcquireResponse held) {
        return ReleaseRequest.newBuilder().setKey(held.getKey()).setFencingToken(held.getFencingToken()).build();
    }

    private static PutRequest fenced(String path, String value, AcquireResponse held) {
        return PutRequest.newBuilder().setHeader(RequestHeader.newBuilder().setFence(Fence.newBuilder()
                        .setLockPath(held.getLockPath()).setToken(held.getFencingToken())))
                .setPath(path).setValue(ByteString.copyFromUtf8(value)).build();
    }

    private int waiters(String name) {
        return kv.list(ListRequest.newBuilder().setPath("/_locks/" + name).build()).getNamesCount();
    }

    private long session(long ttlMillis) {
        return SessionGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                .open(SessionOpenRequest.newBuilder().setTtlMillis(ttlMillis).build()).getSessionId();
    }

    private static StatusRuntimeException assertReason(String reason, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(reason, e.getTrailers().get(ErrorTrailers.REASON), e.toString());
        return e;
    }
}
