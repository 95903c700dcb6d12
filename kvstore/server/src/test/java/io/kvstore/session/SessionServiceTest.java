package io.kvstore.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionInfoRequest;
import io.kvstore.api.v1.SessionKeepAliveRequest;
import io.kvstore.api.v1.SessionKeepAliveResponse;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Session service on one member over loopback gRPC: open, keepalive, close, expiry, ephemeral and TTL znodes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionServiceTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);
    private KvServer server;
    private ManagedChannel channel;
    private KVGrpc.KVBlockingStub kv;
    private SessionGrpc.SessionBlockingStub sessions;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        server = KvServer.start(TestServers.single(dir));
        channel = TestServers.channel(server.clientAddress());
        kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
        sessions = SessionGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
        Awaiting.succeeds(() -> open(60_000), AWAIT);
    }

    @AfterAll
    void stop() {
        channel.shutdownNow();
        server.close();
    }

    @Test
    void openKeepAliveClose() throws InterruptedException {
        long id = open(5_000);
        LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<SessionKeepAliveRequest> stream = SessionGrpc.newStub(channel).keepAlive(collect(answers));
        stream.onNext(SessionKeepAliveRequest.newBuilder().setSessionId(id).build());
        SessionKeepAliveResponse alive = (SessionKeepAliveResponse) answers.poll(20, TimeUnit.SECONDS);
        assertEquals(5_000, alive.getTtlMillis());
        assertFalse(alive.getExpired());
        assertTrue(sessions.info(SessionInfoRequest.newBuilder().setSessionId(id).build()).getRemainingMillis() > 0);

        kv.create(CreateRequest.newBuilder().setPath("/oc-e").setSessionId(id).build());
        assertEquals(1, sessions.close(SessionCloseRequest.newBuilder().setSessionId(id).build()).getDeleted());
        assertFalse(exists("/oc-e"), "closing deleted the ephemeral");

        stream.onNext(SessionKeepAliveRequest.newBuilder().setSessionId(id).build());
        SessionKeepAliveResponse after = (SessionKeepAliveResponse) answers.poll(20, TimeUnit.SECONDS);
        assertTrue(after.getExpired());
        stream.onCompleted();
        StatusRuntimeException closedAgain = assertThrows(StatusRuntimeException.class,
                () -> sessions.close(SessionCloseRequest.newBuilder().setSessionId(id).build()));
        assertEquals("SESSION_EXPIRED", closedAgain.getTrailers().get(ErrorTrailers.REASON));
    }

    @Test
    void ephemeralDisappearsWhenItsSessionIsNotKeptAlive() {
        long id = open(1_000);
        kv.create(CreateRequest.newBuilder().setPath("/exp-e").setSessionId(id).build());
        Awaiting.until(() -> !exists("/exp-e"), AWAIT, () -> "/exp-e still exists after its session's TTL");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> kv.create(CreateRequest.newBuilder().setPath("/exp-e2").setSessionId(id).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("SESSION_EXPIRED", e.getTrailers().get(ErrorTrailers.REASON));
    }

    @Test
    void sequentialCreatesReturnTheirPath() {
        kv.create(CreateRequest.newBuilder().setPath("/seq").build());
        CreateResponse a = kv.create(CreateRequest.newBuilder().setPath("/seq/n-").setSequential(true).build());
        CreateResponse b = kv.create(CreateRequest.newBuilder().setPath("/seq/n-").setSequential(true).build());
        assertEquals("/seq/n-0000000000000000000", a.getPath());
        assertEquals("/seq/n-0000000000000000001", b.getPath());
    }

    @Test
    void ttlZnodeDisappearsUnlessRefreshed() {
        kv.create(CreateRequest.newBuilder().setPath("/ttl-gone").setTtlMillis(1_000).build());
        kv.create(CreateRequest.newBuilder().setPath("/ttl-kept").setTtlMillis(1_500).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // Refresh /ttl-kept by writing it while /ttl-gone runs out; each put restarts its countdown.
        while (exists("/ttl-gone")) {
            kv.put(PutRequest.newBuilder().setPath("/ttl-kept").setValue(ByteString.copyFromUtf8("x")).build());
            assertTrue(System.nanoTime() - deadline < 0, "/ttl-gone outlived its TTL by far");
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // write pacing
        }
        assertTrue(exists("/ttl-kept"), "a TTL znode written more often than its TTL stays");
    }

    @Test
    void badInput() {
        assertReason("TTL_OUT_OF_RANGE", () -> sessions.open(SessionOpenRequest.newBuilder().setTtlMillis(0).build()));
        assertReason("TTL_OUT_OF_RANGE", () -> sessions.open(SessionOpenRequest.newBuilder()
                .setTtlMillis(Long.MAX_VALUE).build()));
        assertReason("TTL_OUT_OF_RANGE", () -> kv.create(CreateRequest.newBuilder().setPath("/bad-ttl")
                .setTtlMillis(1).build()));
        assertReason("SESSION_EXPIRED", () -> kv.create(CreateRequest.newBuilder().setPath("/bad-s")
                .setSessionId(987_654_321).build()));
        long id = open(60_000);
        kv.create(CreateRequest.newBuilder().setPath("/bad-e").setSessionId(id).build());
        StatusRuntimeException e = assertReason("EPHEMERAL_HAS_NO_CHILDREN",
                () -> kv.create(CreateRequest.newBuilder().setPath("/bad-e/child").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    }

    @Test
    void clientSessionSeesTheServerEndItAndCloseDeletesEphemerals() throws Exception {
        try (io.kvstore.client.KvClient client = io.kvstore.client.KvClient.builder()
                .endpoints(server.clientAddress().toString()).build()) {
            io.kvstore.client.Session ended = client.openSession(Duration.ofSeconds(1));
            LinkedBlockingQueue<io.kvstore.client.Session.State> states = new LinkedBlockingQueue<>();
            ended.addListener(states::add);
            ended.createEphemeral("/cs-e", new byte[0]);
            sessions.close(SessionCloseRequest.newBuilder().setSessionId(ended.id()).build()); // ended elsewhere
            ended.expired().get(20, TimeUnit.SECONDS);
            assertEquals(io.kvstore.client.Session.State.EXPIRED, ended.state());
            assertEquals(io.kvstore.client.Session.State.EXPIRED, states.poll(20, TimeUnit.SECONDS));
            assertThrows(io.kvstore.client.KvSessionExpiredException.class,
                    () -> ended.createEphemeral("/cs-e2", new byte[0]));
            ended.close(); // already gone on the server: not an error

            io.kvstore.client.Session kept = client.openSession(Duration.ofSeconds(1));
            io.kvstore.client.CreateResult seq = kept.createEphemeral("/cs-s", new byte[0], true);
            assertEquals("/cs-s0000000000000000000", seq.path());
            // Kept alive for three TTLs by the background keepalives.
            long until = kept.validUntilNanos() + TimeUnit.SECONDS.toNanos(2);
            Awaiting.until(() -> kept.validUntilNanos() - until > 0, AWAIT, () -> "keepalives acknowledged");
            assertTrue(exists("/cs-s0000000000000000000"));
            kept.close();
            assertFalse(exists("/cs-s0000000000000000000"));
        }
    }

    @Test
    void openIsExactlyOnce() {
        SessionOpenRequest request = SessionOpenRequest.newBuilder().setTtlMillis(60_000)
                .setHeader(RequestHeader.newBuilder().setClientId("session-client").setSequence(1)).build();
        assertEquals(sessions.open(request).getSessionId(), sessions.open(request).getSessionId());
    }

    private long open(long ttlMillis) {
        SessionOpenResponse r = sessions.open(SessionOpenRequest.newBuilder().setTtlMillis(ttlMillis).build());
        return r.getSessionId();
    }

    private boolean exists(String path) {
        return kv.exists(ExistsRequest.newBuilder().setPath(path).build()).getExists();
    }

    private static StatusRuntimeException assertReason(String reason, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(reason, e.getTrailers().get(ErrorTrailers.REASON), e.toString());
        return e;
    }

    private static <T> StreamObserver<T> collect(LinkedBlockingQueue<Object> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
                into.add(t);
            }

            @Override
            public void onCompleted() {
                into.add("completed");
            }
        };
    }
}
