package io.kvstore.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.RequestHeader;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Write lanes: distinct client ids for concurrent writes, never two writes in flight on one client id. */
class KvClientLanesTest {
    private FakeKvServer server;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger concurrentMax = new AtomicInteger();
    private final CountDownLatch unblock = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = FakeKvServer.start().handler((method, request) -> {
            String clientId = ((PutRequest) request).getHeader().getClientId();
            if (!inFlight.add(clientId)) {
                overlaps.incrementAndGet();
            }
            concurrentMax.accumulateAndGet(inFlight.size(), Math::max);
            try {
                unblock.await(10, TimeUnit.SECONDS);
                return FakeKvServer.ok(method);
            } finally {
                inFlight.remove(clientId);
            }
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        unblock.countDown();
        server.close();
    }

    @Test
    void concurrentWritesUseDistinctLanesAndNeverTwoInFlightOnOne() throws Exception {
        try (KvClient kv = KvClientRetryTest.client(server.address()).writeLanes(4).build()) {
            List<CompletableFuture<PutResult>> puts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                puts.add(kv.putAsync("/k" + i, new byte[] {(byte) i}, PutOptions.DEFAULT));
            }
            awaitRequests(4);
            assertEquals(4, server.requests().size(), "six writes wait for a lane");
            assertEquals(4, server.<PutRequest>requests("Put").stream().map(p -> p.getHeader().getClientId())
                    .distinct().count());
            unblock.countDown();
            for (CompletableFuture<PutResult> put : puts) {
                put.get(10, TimeUnit.SECONDS);
            }
        }
        List<PutRequest> puts = server.requests("Put");
        assertEquals(10, puts.size());
        assertEquals(0, overlaps.get(), "a client id had two writes in flight");
        assertTrue(concurrentMax.get() <= 4, "in flight at once: " + concurrentMax.get());
        Map<String, Long> lastSequence = new HashMap<>();
        for (PutRequest put : puts) {
            RequestHeader h = put.getHeader();
            long previous = lastSequence.getOrDefault(h.getClientId(), 0L);
            assertTrue(h.getSequence() > previous, "sequence must increase per client id: " + h);
            lastSequence.put(h.getClientId(), h.getSequence());
        }
        assertEquals(4, lastSequence.size());
    }

    @Test
    void writesBeyondTheWaiterBoundFailAtOnce() throws Exception {
        try (KvClient kv = KvClientRetryTest.client(server.address()).writeLanes(1).laneWaitersMax(0).build()) {
            CompletableFuture<PutResult> first = kv.putAsync("/a", new byte[0], PutOptions.DEFAULT);
            awaitRequests(1);
            KvUnavailableException e = assertThrows(KvUnavailableException.class,
                    () -> kv.put("/b", new byte[0]));
            assertTrue(e.getMessage().contains("lane"), e.getMessage());
            unblock.countDown();
            first.get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("/a"), server.<PutRequest>requests("Put").stream().map(PutRequest::getPath).toList());
    }

    private void awaitRequests(int count) throws InterruptedException {
        server.awaitRequests(count, Duration.ofSeconds(10));
    }
}
