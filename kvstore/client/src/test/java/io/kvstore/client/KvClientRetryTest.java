package io.kvstore.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.PutRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, leader discovery and deadlines, asserted on what each fake member received. */
class KvClientRetryTest {
    private FakeKvServer a;
    private FakeKvServer b;

    @BeforeEach
    void start() throws IOException {
        a = FakeKvServer.start();
        b = FakeKvServer.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        a.close();
        b.close();
    }

    static KvClient.Builder client(String... endpoints) {
        return KvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(2))
                .retryDeadline(Duration.ofSeconds(5)).backoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .jitter(new Random(42));
    }

    @Test
    void notLeaderFollowsLeaderAddressWithSameClientIdAndSequence() {
        a.handler((method, request) -> {
            throw FakeKvServer.error(Status.Code.UNAVAILABLE, ErrorCode.NOT_LEADER,
                    ErrorTrailers.LEADER_ID.name(), "2", ErrorTrailers.LEADER_ADDRESS.name(), b.address());
        });
        try (KvClient kv = client(a.address()).build()) {
            kv.put("/app/x", "v".getBytes(UTF_8));
            kv.put("/app/y", "w".getBytes(UTF_8));
        }
        PutRequest refused = a.<PutRequest>requests("Put").get(0);
        PutRequest applied = b.<PutRequest>requests("Put").get(0);
        assertEquals(1, a.requests().size(), "the second put goes straight to the leader that answered");
        assertEquals(refused, applied, "the retry is the same request, header included");
        assertEquals(1, applied.getHeader().getSequence());
        assertEquals("/app/y", b.<PutRequest>requests("Put").get(1).getPath());
    }

    @Test
    void retriedWriteCarriesSameClientIdAndSequence() {
        AtomicInteger calls = new AtomicInteger();
        a.handler((method, request) -> {
            if (calls.incrementAndGet() <= 2) {
                throw FakeKvServer.error(Status.Code.UNAVAILABLE, ErrorCode.OUTCOME_UNKNOWN);
            }
            return FakeKvServer.ok(method);
        });
        try (KvClient kv = client(a.address()).build()) {
            kv.put("/a", new byte[] {1});
            kv.put("/a", new byte[] {2});
        }
        var puts = a.<PutRequest>requests("Put");
        assertEquals(4, puts.size());
        assertEquals(puts.get(0).getHeader(), puts.get(1).getHeader());
        assertEquals(puts.get(0).getHeader(), puts.get(2).getHeader());
        assertEquals(1, puts.get(0).getHeader().getSequence());
        assertEquals(puts.get(0).getHeader().getClientId(), puts.get(3).getHeader().getClientId(),
                "a lone writer keeps one lane");
        assertEquals(2, puts.get(3).getHeader().getSequence());
    }

    @Test
    void busyIsRetriedOtherResourceExhaustedIsNot() {
        AtomicInteger calls = new AtomicInteger();
        a.handler((method, request) -> {
            if (calls.incrementAndGet() == 1) {
                throw FakeKvServer.error(Status.Code.RESOURCE_EXHAUSTED, ErrorCode.BUSY);
            }
            throw Status.RESOURCE_EXHAUSTED.withDescription("message too large").asRuntimeException();
        });
        try (KvClient kv = client(a.address()).build()) {
            KvException e = assertThrows(KvException.class, () -> kv.get("/a"));
            assertTrue(e.reason().isEmpty(), e.toString());
        }
        assertEquals(2, a.requests().size());
    }

    @Test
    void unreachableEndpointRotatesAndLastWorkingEndpointIsPreferred() throws IOException {
        String dead = deadAddress();
        try (KvClient kv = client(dead, a.address()).build()) {
            kv.get("/a");
            kv.get("/b");
        }
        assertEquals(2, a.requests().size());
    }

    @Test
    void attemptTimeoutRetriesSameSequence() throws InterruptedException {
        CountDownLatch unblock = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        a.handler((method, request) -> {
            if (calls.incrementAndGet() == 1) {
                unblock.await(10, TimeUnit.SECONDS); // the client's 200 ms attempt deadline passes first
            }
            return FakeKvServer.ok(method);
        });
        try (KvClient kv = client(a.address()).requestTimeout(Duration.ofMillis(200)).build()) {
            kv.delete("/a");
        } finally {
            unblock.countDown();
        }
        var deletes = a.<io.kvstore.api.v1.DeleteRequest>requests("Delete");
        assertEquals(2, deletes.size());
        assertEquals(deletes.get(0).getHeader(), deletes.get(1).getHeader());
    }

    @Test
    void retryDeadlineExhaustionThrowsUnavailableWithLastCause() {
        a.handler((method, request) -> {
            throw FakeKvServer.error(Status.Code.UNAVAILABLE, ErrorCode.NO_QUORUM);
        });
        long started = System.nanoTime();
        try (KvClient kv = client(a.address()).retryDeadline(Duration.ofMillis(300)).build()) {
            KvUnavailableException e = assertThrows(KvUnavailableException.class,
                    () -> kv.put("/a", new byte[0]));
            assertEquals(ErrorCode.NO_QUORUM, e.reason().orElseThrow());
            assertInstanceOf(StatusRuntimeException.class, e.getCause());
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(elapsedMillis < 3_000, "gave up after " + elapsedMillis + " ms");
        var puts = a.<PutRequest>requests("Put");
        assertTrue(puts.size() >= 2, "retried: " + puts.size());
        assertTrue(puts.stream().allMatch(p -> p.getHeader().equals(puts.get(0).getHeader())));
    }

    @Test
    void nonRetryableErrorIsThrownAtOnce() {
        a.handler((method, request) -> {
            throw FakeKvServer.error(Status.Code.NOT_FOUND, ErrorCode.NOT_FOUND);
        });
        try (KvClient kv = client(a.address(), b.address()).build()) {
            assertThrows(KvNotFoundException.class, () -> kv.get("/missing"));
        }
        assertEquals(1, a.requests().size());
        assertEquals(0, b.requests().size());
    }

    @Test
    void closeFailsCallsInFlightAndRefusesNewOnes() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        a.handler((method, request) -> {
            arrived.countDown();
            unblock.await(10, TimeUnit.SECONDS);
            return FakeKvServer.ok(method);
        });
        KvClient kv = client(a.address()).build();
        try {
            var pending = kv.putAsync("/a", new byte[0], PutOptions.DEFAULT);
            assertTrue(arrived.await(5, TimeUnit.SECONDS));
            kv.close();
            var e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> pending.get(5, TimeUnit.SECONDS));
            assertInstanceOf(KvUnavailableException.class, e.getCause());
            assertThrows(IllegalStateException.class, () -> kv.get("/a"));
        } finally {
            unblock.countDown();
            kv.close();
        }
    }

    /** A loopback port with nothing listening: connections are refused (UNAVAILABLE). */
    static String deadAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
