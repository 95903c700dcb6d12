package io.kvstore.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.ListResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each operation: the request it sends and how it reads the answer. */
class KvClientOperationsTest {
    private FakeKvServer server;
    private KvClient kv;

    @BeforeEach
    void start() throws IOException {
        server = FakeKvServer.start();
        kv = KvClientRetryTest.client(server.address()).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        kv.close();
        server.close();
    }

    @Test
    void getSendsConsistencyAndReturnsValueStatAndRevision() {
        server.handler((method, request) -> GetResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(12))
                .setStat(Stat.newBuilder().setVersion(3).setDataLength(2).setNumChildren(1))
                .setValue(ByteString.copyFromUtf8("hi")).build());
        Znode z = kv.get("/app/x", ReadConsistency.SERIALIZABLE);
        assertEquals("/app/x", z.path());
        assertEquals("hi", z.valueUtf8());
        assertEquals(3, z.stat().version());
        assertEquals(1, z.stat().numChildren());
        assertEquals(12, z.revision());
        assertTrue(server.<GetRequest>requests("Get").get(0).getSerializable());
        kv.get("/app/x");
        assertFalse(server.<GetRequest>requests("Get").get(1).getSerializable());
    }

    @Test
    void findAndExistsReturnEmptyForMissingZnode() {
        server.handler((method, request) -> {
            if (method.equals("Exists")) {
                return ExistsResponse.newBuilder().setExists(false).build();
            }
            throw FakeKvServer.error(Status.Code.NOT_FOUND, ErrorCode.NOT_FOUND);
        });
        assertEquals(Optional.empty(), kv.find("/missing"));
        assertEquals(Optional.empty(), kv.exists("/missing"));
    }

    @Test
    void listFollowsPageTokensAndRestartsWhenStale() {
        AtomicInteger calls = new AtomicInteger();
        server.handler((method, request) -> {
            String token = ((ListRequest) request).getPageToken();
            int call = calls.incrementAndGet();
            if (call == 2) {
                throw FakeKvServer.error(Status.Code.OUT_OF_RANGE, ErrorCode.PAGE_TOKEN_STALE);
            }
            ListResponse.Builder page = ListResponse.newBuilder();
            switch (token) {
                case "" -> page.addNames("a").addNames("b").setNextPageToken("t1");
                case "t1" -> page.addNames("c").setNextPageToken("t2");
                default -> page.addNames("d");
            }
            return page.build();
        });
        assertEquals(List.of("a", "b", "c", "d"), kv.list("/dir"));
        assertEquals(List.of("", "t1", "", "t1", "t2"), server.<ListRequest>requests("List").stream()
                .map(ListRequest::getPageToken).toList());
    }

    @Test
    void writeOptionsGoOnTheWire() {
        kv.put("/a", "v".getBytes(UTF_8));
        kv.put("/a", "v".getBytes(UTF_8), PutOptions.ifVersion(4).withMakeParents());
        kv.put("/a", "v".getBytes(UTF_8), PutOptions.ifAbsent());
        kv.create("/b", new byte[0], CreateOptions.MAKE_PARENTS);
        kv.delete("/c", DeleteOptions.ifVersion(2).withRecursive());
        kv.delete("/d");

        List<PutRequest> puts = server.requests("Put");
        assertFalse(puts.get(0).hasExpectedVersion(), "unconditional put sends no expected version");
        assertEquals(4, puts.get(1).getExpectedVersion());
        assertTrue(puts.get(1).getMakeParents());
        assertTrue(puts.get(2).hasExpectedVersion());
        assertEquals(0, puts.get(2).getExpectedVersion());
        assertTrue(server.<CreateRequest>requests("Create").get(0).getMakeParents());
        List<DeleteRequest> deletes = server.requests("Delete");
        assertEquals(2, deletes.get(0).getExpectedVersion());
        assertTrue(deletes.get(0).getRecursive());
        assertFalse(deletes.get(1).hasExpectedVersion());
        assertFalse(deletes.get(1).getRecursive());
    }

    @Test
    void txnSendsComparesAndBranchesAndReadsResults() {
        server.handler((method, request) -> TxnResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(20)).setSucceeded(false)
                .addResults(io.kvstore.api.v1.TxnOpResult.newBuilder().setGet(GetResponse.newBuilder()
                        .setStat(Stat.newBuilder().setVersion(5)).setValue(ByteString.copyFromUtf8("cur"))))
                .addResults(io.kvstore.api.v1.TxnOpResult.newBuilder().setGet(GetResponse.getDefaultInstance()))
                .build());
        Txn txn = Txn.builder()
                .when(Compare.version("/a", CompareOp.EQUAL, 3), Compare.notExists("/b"))
                .then(TxnOp.put("/a", "v2".getBytes(UTF_8)), TxnOp.delete("/b"))
                .otherwise(TxnOp.get("/a"), TxnOp.get("/missing"))
                .build();
        TxnResult result = kv.txn(txn);

        assertFalse(result.succeeded());
        assertEquals(20, result.revision());
        var got = (TxnOpResult.Got) result.results().get(0);
        assertEquals("/a", got.znode().orElseThrow().path());
        assertEquals("cur", got.znode().orElseThrow().valueUtf8());
        assertEquals(new TxnOpResult.Got(Optional.empty()), result.results().get(1));

        TxnRequest sent = server.<TxnRequest>requests("Txn").get(0);
        assertEquals(2, sent.getCompareCount());
        assertEquals(3, sent.getCompare(0).getVersion());
        assertFalse(sent.getCompare(1).getExists());
        assertEquals("/a", sent.getSuccess(0).getPut().getPath());
        assertEquals("/b", sent.getSuccess(1).getDelete().getPath());
        assertEquals(2, sent.getFailureCount());
        assertTrue(sent.getHeader().getSequence() >= 1, "a txn is a write: it carries a header");
    }
}
