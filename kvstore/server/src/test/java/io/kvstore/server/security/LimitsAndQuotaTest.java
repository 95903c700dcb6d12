package io.kvstore.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.LimitsConfig;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The space quota with its NO_SPACE alarm, the connection cap and the stream cap, on a real member over loopback. */
class LimitsAndQuotaTest {
    private static final Duration AWAIT = Duration.ofSeconds(10);
    private static final int VALUE_BYTES = 20 << 10;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void fullStoreRefusesGrowingWritesKeepsReadsAndDeletesAndClearsWhenSpaceIsFreed(@TempDir Path dir)
            throws IOException {
        ServerConfig config = TestServers.single(dir).withLimits(new LimitsConfig(
                LimitsConfig.QUOTA_BACKEND_BYTES_MIN, LimitsConfig.MAX_CONNECTIONS_DEFAULT,
                LimitsConfig.MAX_CONCURRENT_STREAMS_DEFAULT));
        KvServer server = start(config);
        KVGrpc.KVBlockingStub kv = kv(server);
        Awaiting.succeeds(() -> kv.put(put("/warmup", 1)), AWAIT);
        int written = 0;
        StatusRuntimeException full = null;
        for (int i = 0; i < 100 && full == null; i++) { // 1 MiB quota / 20 KiB values: full within 52
            try {
                kv.put(put("/k" + i, VALUE_BYTES));
                written++;
            } catch (StatusRuntimeException e) {
                full = e;
            }
        }
        assertTrue(full != null, "100 values of 20 KiB fit in a 1 MiB quota; tree " + server.treeBytes());
        assertNoSpace(full);
        assertTrue(server.noSpaceAlarm());
        assertTrue(written >= 45, "the quota refused early, after " + written);
        assertTrue(server.treeBytes() <= LimitsConfig.QUOTA_BACKEND_BYTES_MIN, "tree " + server.treeBytes());

        // While raised, even a write that would fit is refused; reads and deletes work.
        assertNoSpace(assertThrows(StatusRuntimeException.class, () -> kv.put(put("/small", 10))));
        assertNoSpace(assertThrows(StatusRuntimeException.class, () -> kv.txn(TxnRequest.newBuilder()
                .addSuccess(TxnOp.newBuilder().setPut(put("/in-txn", 10))).build())));
        assertEquals(VALUE_BYTES, kv.get(GetRequest.newBuilder().setPath("/k0").build()).getValue().size());
        long clearMark = LimitsConfig.QUOTA_BACKEND_BYTES_MIN / 100 * 95;
        kv.delete(DeleteRequest.newBuilder().setPath("/k0").build());
        assertTrue(server.treeBytes() > clearMark && server.noSpaceAlarm(),
                "one delete of 20 KiB does not reach the clear mark: the alarm holds; tree " + server.treeBytes());
        assertNoSpace(assertThrows(StatusRuntimeException.class, () -> kv.put(put("/small", 10))));
        for (int i = 1; i < written && server.noSpaceAlarm(); i++) {
            kv.delete(DeleteRequest.newBuilder().setPath("/k" + i).build());
            assertEquals(server.treeBytes() > clearMark, server.noSpaceAlarm(), "tree " + server.treeBytes());
        }
        assertFalse(server.noSpaceAlarm(), "tree " + server.treeBytes() + " after freeing space");
        kv.put(put("/small", 10));

        // The tree size is kept per applied entry; a fresh scan at the next open must agree with it.
        long kept = server.treeBytes();
        server.close();
        KvServer reopened = start(config);
        assertEquals(kept, reopened.treeBytes());
    }

    @Test
    void connectionsOverTheCapAreClosedOnAccept(@TempDir Path dir) throws IOException {
        KvServer server = start(TestServers.single(dir).withLimits(new LimitsConfig(
                LimitsConfig.QUOTA_BACKEND_BYTES_DEFAULT, 2, LimitsConfig.MAX_CONCURRENT_STREAMS_DEFAULT)));
        // Elected and serving first, on a channel closed before the count starts (a retry on a new channel each time
        // would leave connections behind that count against the cap).
        ManagedChannel warmup = channel(server);
        Awaiting.succeeds(() -> KVGrpc.newBlockingStub(warmup).withDeadlineAfter(5, TimeUnit.SECONDS)
                .put(put("/before", 1)), AWAIT);
        warmup.shutdownNow();
        Awaiting.until(() -> server.clientConnections()[0] == 0, AWAIT, () -> "warm-up connection released");
        String host = server.clientAddress().host();
        int port = server.clientAddress().port();
        Socket first = new Socket(host, port);
        closing.add(first);
        Socket second = new Socket(host, port);
        closing.add(second);
        Awaiting.until(() -> server.clientConnections()[0] == 2, AWAIT, () -> "two connections counted");
        try (Socket third = new Socket(host, port)) {
            third.setSoTimeout(5_000);
            assertEquals(-1, readOrReset(third), "the third connection must be closed by the server");
        }
        assertEquals(1, server.clientConnections()[1]);
        first.close();
        second.close();
        Awaiting.until(() -> server.clientConnections()[0] == 0, AWAIT, () -> "closed connections released");
        ManagedChannel after = channel(server);
        Awaiting.succeeds(() -> KVGrpc.newBlockingStub(after).withDeadlineAfter(5, TimeUnit.SECONDS)
                .put(put("/after", 1)), AWAIT);
    }

    @Test
    void streamsOverThePerConnectionCapWaitForAFreeStream(@TempDir Path dir) throws IOException {
        KvServer server = start(TestServers.single(dir).withLimits(new LimitsConfig(
                LimitsConfig.QUOTA_BACKEND_BYTES_DEFAULT, LimitsConfig.MAX_CONNECTIONS_DEFAULT, 1)));
        ManagedChannel channel = channel(server);
        Awaiting.succeeds(() -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .put(put("/x", 1)), AWAIT);
        StreamObserver<WatchRequest> watch = WatchGrpc.newStub(channel).watch(new StreamObserver<WatchResponse>() {
            @Override public void onNext(WatchResponse value) { }
            @Override public void onError(Throwable t) { }
            @Override public void onCompleted() { }
        });
        watch.onNext(WatchRequest.newBuilder().setCreate(WatchCreateRequest.newBuilder().setPath("/x")).build());
        StatusRuntimeException waited = assertThrows(StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().setPath("/x").build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, waited.getStatus().getCode());
        watch.onError(Status.CANCELLED.asRuntimeException());
        Awaiting.succeeds(() -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setPath("/x").build()), AWAIT);
    }

    private static int readOrReset(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static void assertNoSpace(StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        assertEquals(ErrorCode.NO_SPACE, ErrorTrailers.reason(e).orElse(null), e.toString());
    }

    private static PutRequest put(String path, int valueBytes) {
        return PutRequest.newBuilder().setPath(path).setValue(ByteString.copyFrom(new byte[valueBytes])).build();
    }

    /**
     * Starts {@code config} on a client port below the ephemeral range (the tests' port rule), so no other test's
     * leftover channel can be reconnecting to the same port and count against the connection cap.
     */
    private KvServer start(ServerConfig config) throws IOException {
        if (config.clientAddress().port() == 0) {
            config = config.withClientAddress(TestServers.freePeerAddress());
        }
        KvServer server = KvServer.start(config);
        closing.add(server);
        return server;
    }

    private ManagedChannel channel(KvServer server) {
        ManagedChannel channel = TestServers.channel(server.clientAddress());
        closing.add(channel::shutdownNow);
        return channel;
    }

    private KVGrpc.KVBlockingStub kv(KvServer server) {
        return KVGrpc.newBlockingStub(channel(server)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }
}
