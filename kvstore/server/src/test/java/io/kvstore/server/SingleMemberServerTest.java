package io.kvstore.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.server.interceptor.RequestIdInterceptor;
import io.kvstore.server.member.MemberIds;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import io.kvstore.store.Limits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** One real member on loopback and a plain grpc-java stub: what goes over the wire, for every outcome. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleMemberServerTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);

    private KvServer server;
    private ManagedChannel channel;
    private KVGrpc.KVBlockingStub kv;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        server = KvServer.start(TestServers.single(dir));
        channel = TestServers.channel(server.clientAddress());
        kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
        Awaiting.until(() -> health(channel, "") == HealthCheckResponse.ServingStatus.SERVING, AWAIT,
                () -> "single member serving");
    }

    @AfterAll
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void roundTripsCarryHeaders() {
        PutResponse put = kv.put(PutRequest.newBuilder().setPath("/rt/a").setValue(bytes("1")).setMakeParents(true)
                .build());
        assertTrue(put.getCreated());
        assertHeader(put.getHeader(), false);
        long revision = put.getHeader().getRevision();

        GetResponse get = kv.get(GetRequest.newBuilder().setPath("/rt/a").build());
        assertEquals(bytes("1"), get.getValue());
        assertEquals(1, get.getStat().getVersion());
        assertEquals(revision, get.getHeader().getRevision());
        assertHeader(get.getHeader(), false);

        CreateResponse create = kv.create(CreateRequest.newBuilder().setPath("/rt/b").setValue(bytes("2")).build());
        assertEquals("/rt/b", create.getPath());
        assertEquals(revision + 1, create.getHeader().getRevision());
        assertEquals(List.of("a", "b"), kv.list(ListRequest.newBuilder().setPath("/rt").build()).getNamesList());
        assertTrue(kv.exists(ExistsRequest.newBuilder().setPath("/rt/b").build()).getExists());

        TxnResponse txn = kv.txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setPath("/rt/a").setOp(Compare.Op.EQUAL).setVersion(1))
                .addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setPath("/rt/a").setValue(bytes("3"))))
                .addSuccess(TxnOp.newBuilder().setDelete(DeleteRequest.newBuilder().setPath("/rt/b")))
                .build());
        assertTrue(txn.getSucceeded());
        assertEquals(revision + 2, txn.getHeader().getRevision());
        assertEquals(1, kv.delete(DeleteRequest.newBuilder().setPath("/rt/a").build()).getDeleted());
        assertFalse(kv.exists(ExistsRequest.newBuilder().setPath("/rt/a").build()).getExists());

        GetResponse serializable = kv.get(GetRequest.newBuilder().setPath("/rt").setSerializable(true).build());
        assertHeader(serializable.getHeader(), true);
    }

    @Test
    void everyErrorCarriesItsStatusAndReason() {
        kv.put(PutRequest.newBuilder().setPath("/err/a").setValue(bytes("x")).setMakeParents(true).build());
        assertError(Status.Code.NOT_FOUND, ErrorCode.NOT_FOUND,
                () -> kv.get(GetRequest.newBuilder().setPath("/err/missing").build()));
        assertError(Status.Code.ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS,
                () -> kv.create(CreateRequest.newBuilder().setPath("/err/a").build()));
        StatusRuntimeException mismatch = assertError(Status.Code.ABORTED, ErrorCode.VERSION_MISMATCH,
                () -> kv.put(PutRequest.newBuilder().setPath("/err/a").setExpectedVersion(5).build()));
        assertEquals("1", mismatch.getTrailers().get(ErrorTrailers.CURRENT_VERSION));
        assertError(Status.Code.FAILED_PRECONDITION, ErrorCode.HAS_CHILDREN,
                () -> kv.delete(DeleteRequest.newBuilder().setPath("/err").build()));
        assertError(Status.Code.FAILED_PRECONDITION, ErrorCode.PARENT_NOT_FOUND,
                () -> kv.create(CreateRequest.newBuilder().setPath("/nope/x").build()));
        assertError(Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_PATH,
                () -> kv.get(GetRequest.newBuilder().setPath("/bad//path").build()));
        StatusRuntimeException tooLarge = assertError(Status.Code.INVALID_ARGUMENT, ErrorCode.VALUE_TOO_LARGE,
                () -> kv.put(PutRequest.newBuilder().setPath("/err/big")
                        .setValue(ByteString.copyFrom(new byte[Limits.VALUE_BYTES_MAX + 1])).build()));
        assertTrue(tooLarge.getStatus().getDescription().contains(Integer.toString(Limits.VALUE_BYTES_MAX)),
                tooLarge.getStatus().getDescription());
        TxnRequest.Builder huge = TxnRequest.newBuilder();
        for (int i = 0; i < 10_000; i++) {
            huge.addSuccess(TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath("/err/a")));
        }
        assertError(Status.Code.INVALID_ARGUMENT, ErrorCode.TOO_MANY_OPS, () -> kv.txn(huge.build()));
        StatusRuntimeException inTxn = assertError(Status.Code.ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS,
                () -> kv.txn(TxnRequest.newBuilder().addSuccess(TxnOp.newBuilder().setGet(
                                GetRequest.newBuilder().setPath("/err/a")))
                        .addSuccess(TxnOp.newBuilder().setCreate(CreateRequest.newBuilder().setPath("/err/a")))
                        .build()));
        assertEquals("1", inTxn.getTrailers().get(ErrorTrailers.OP_INDEX));
        assertError(Status.Code.NOT_FOUND, ErrorCode.SESSION_EXPIRED,
                () -> kv.create(CreateRequest.newBuilder().setPath("/err/s").setSessionId(424_242).build()));
    }

    @Test
    void retriedWriteReturnsTheOriginalResultAndAppliesOnce() {
        RequestHeader identity = RequestHeader.newBuilder().setClientId("client-1").setSequence(1).build();
        CreateRequest create = CreateRequest.newBuilder().setHeader(identity).setPath("/once").setValue(bytes("v"))
                .build();
        CreateResponse first = kv.create(create);
        CreateResponse retry = kv.create(create);
        assertEquals(first, retry, "the retry is answered with the original response, header included");
        GetResponse get = kv.get(GetRequest.newBuilder().setPath("/once").build());
        assertEquals(1, get.getStat().getVersion());
        assertEquals(first.getHeader().getRevision(), get.getStat().getModRevision());
    }

    @Test
    void healthIsServingForAllAndForKv() {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(channel, ""));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(channel, KVGrpc.SERVICE_NAME));
    }

    @Test
    void reflectionListsTheKvService() throws Exception {
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        services.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> names = services.get(10, TimeUnit.SECONDS);
        requests.onCompleted();
        assertTrue(names.contains("kvstore.v1.KV") && names.contains("grpc.health.v1.Health"), names.toString());
    }

    @Test
    void requestIdIsEchoedOnSuccessAndOnError() {
        Metadata sent = new Metadata();
        sent.put(RequestIdInterceptor.HEADER, "req-42");
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        KVGrpc.KVBlockingStub tagged = kv.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        tagged.exists(ExistsRequest.newBuilder().setPath("/").build());
        assertEquals("req-42", headers.get().get(RequestIdInterceptor.HEADER));
        assertThrows(StatusRuntimeException.class, () -> tagged.get(GetRequest.newBuilder().setPath("bad").build()));
        assertEquals("req-42", trailers.get().get(RequestIdInterceptor.HEADER), "a rejected call echoes it too");
        HealthGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers,
                trailers)).check(HealthCheckRequest.getDefaultInstance());
        assertNotNull(headers.get().get(RequestIdInterceptor.HEADER), "health goes through the chain too");
        String generated = headers.get().get(RequestIdInterceptor.HEADER);
        assertEquals(4, java.util.UUID.fromString(generated).version(), "a generated id is a random UUID: " + generated);
        assertEquals(2, java.util.UUID.fromString(generated).variant());
        HealthGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers,
                trailers)).check(HealthCheckRequest.getDefaultInstance());
        assertNotEquals(generated, headers.get().get(RequestIdInterceptor.HEADER), "each call gets its own id");
    }

    @Test
    void garbageOnTheClientPortDoesNotHurtTheServer() throws IOException {
        Random random = new Random(20240501L);
        for (int i = 0; i < 5; i++) {
            try (Socket socket = new Socket(server.clientAddress().host(), server.clientAddress().port())) {
                byte[] junk = new byte[1 + random.nextInt(64 << 10)];
                random.nextBytes(junk);
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(junk);
                    out.flush();
                } catch (IOException closedByServer) {
                    // the server may close the connection before reading everything: that is the point
                }
            }
        }
        assertTrue(kv.exists(ExistsRequest.newBuilder().setPath("/").build()).getHeader().getRaftTerm() > 0);
    }

    @Test
    void restartOnTheSameDataDirKeepsTheData(@TempDir Path own) throws IOException {
        io.kvstore.server.config.ServerConfig config = TestServers.single(own);
        try (KvServer first = KvServer.start(config)) {
            ManagedChannel c = TestServers.channel(first.clientAddress());
            try {
                Awaiting.succeeds(() -> KVGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder().setPath("/kept").setValue(bytes("yes")).build()), AWAIT);
            } finally {
                c.shutdownNow();
            }
        }
        try (KvServer second = KvServer.start(config)) {
            ManagedChannel c = TestServers.channel(second.clientAddress());
            try {
                GetResponse get = Awaiting.succeeds(() -> KVGrpc.newBlockingStub(c)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().setPath("/kept").build()), AWAIT);
                assertArrayEquals("yes".getBytes(), get.getValue().toByteArray());
            } finally {
                c.shutdownNow();
            }
        }
    }

    private static HealthCheckResponse.ServingStatus health(ManagedChannel channel, String service) {
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
        } catch (StatusRuntimeException e) {
            return HealthCheckResponse.ServingStatus.UNKNOWN;
        }
    }

    private static void assertHeader(ResponseHeader header, boolean serializable) {
        assertEquals(MemberIds.numeric("n1"), header.getMemberId());
        assertEquals(MemberIds.numeric("n1"), header.getLeaderId());
        assertTrue(header.getRaftTerm() > 0, header.toString());
        assertEquals(serializable, header.getSerializable());
    }

    private static StatusRuntimeException assertError(Status.Code code, ErrorCode reason, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertEquals(reason.name(), e.getTrailers().get(ErrorTrailers.REASON), e.toString());
        return e;
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
