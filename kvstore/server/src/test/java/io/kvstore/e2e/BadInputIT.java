package io.kvstore.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.PutOptions;
import io.kvstore.server.config.HostPort;
import io.kvstore.store.Limits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input sent to real kvserver processes, to the leader and to a follower (which must not forward garbage):
 * each gets a clear error, every member keeps running, the leader stays the leader and the data written before is
 * intact. The in-process version with every reason is SingleMemberServerTest; this one is brief on purpose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    private static final int KEPT_ZNODES = 20;

    private ProcessCluster cluster;
    private ServerProcess leader;
    private long termBefore;

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    void start(@TempDir Path root) {
        cluster = ProcessCluster.start(root, 3);
        leader = cluster.awaitLeader();
        KvClient kv = cluster.client(cluster.endpoints());
        for (int i = 0; i < KEPT_ZNODES; i++) {
            kv.put("/kept/k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), PutOptions.DEFAULT.withMakeParents());
        }
        termBefore = cluster.header(leader).orElseThrow().getRaftTerm();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void sameLeader() {
        leader = cluster.awaitLeader();
    }

    @Test
    void malformedPathsAreInvalidPathEverywhere() {
        List<String> paths = List.of("", "relative", "/trailing/", "/a//b", "/a/./b", "/a/../b", "/sp ace",
                "/nul\u0000", "/" + "x".repeat(Limits.PATH_BYTES_MAX), "/s".repeat(Limits.PATH_DEPTH_MAX + 1));
        for (ServerProcess member : cluster.members()) {
            for (String path : paths) {
                String shown = path.length() > 40 ? path.substring(0, 40) + "..." : path;
                StatusRuntimeException e = assertError(ErrorCode.INVALID_PATH, () -> cluster.stub(member)
                        .put(PutRequest.newBuilder().setPath(path).setValue(ByteString.copyFromUtf8("x")).build()));
                assertTrue(e.getStatus().getDescription() != null && !e.getStatus().getDescription().isBlank(),
                        "a message for '" + shown + "' on " + member.name());
                assertError(ErrorCode.INVALID_PATH, () -> cluster.stub(member)
                        .get(GetRequest.newBuilder().setPath(path).build()));
            }
        }
        assertAllUpAndDataIntact();
    }

    @Test
    void oversizedValueNamesTheLimitAndTheClientSaysInvalidArgument() {
        ByteString big = ByteString.copyFrom(new byte[Limits.VALUE_BYTES_MAX + 1]);
        for (ServerProcess member : cluster.members()) {
            StatusRuntimeException e = assertError(ErrorCode.VALUE_TOO_LARGE, () -> cluster.stub(member)
                    .put(PutRequest.newBuilder().setPath("/kept/big").setValue(big).build()));
            assertTrue(e.getStatus().getDescription().contains(Integer.toString(Limits.VALUE_BYTES_MAX)),
                    e.getStatus().getDescription());
        }
        KvClient kv = cluster.client(cluster.endpoints());
        KvInvalidArgumentException e = assertThrows(KvInvalidArgumentException.class,
                () -> kv.put("/kept/big", new byte[Limits.VALUE_BYTES_MAX + 1]));
        assertEquals(ErrorCode.VALUE_TOO_LARGE, e.reason().orElseThrow());
        assertFalse(kv.find("/kept/big").isPresent());
        assertAllUpAndDataIntact();
    }

    @Test
    void txnOfTenThousandOperationsIsTooManyOps() {
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 10_000; i++) {
            txn.addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setPath("/kept/t" + i)
                    .setValue(ByteString.copyFromUtf8("t"))));
        }
        TxnRequest request = txn.build();
        for (ServerProcess member : cluster.members()) {
            StatusRuntimeException e = assertError(ErrorCode.TOO_MANY_OPS, () -> cluster.stub(member).txn(request));
            assertTrue(e.getStatus().getDescription().contains(Integer.toString(Limits.TXN_OPS_MAX)),
                    e.getStatus().getDescription());
        }
        assertFalse(cluster.client(cluster.endpoints()).find("/kept/t0").isPresent(), "nothing of it applied");
        assertAllUpAndDataIntact();
    }

    @Test
    void garbageBytesOnTheClientAndPeerPortsAreShrugged() throws IOException {
        Random random = new Random(20240601L);
        for (ServerProcess member : cluster.members()) {
            for (int i = 0; i < 3; i++) {
                sendGarbage(member.clientAddress(), random);
            }
            // An HTTP/2 preface followed by junk: gets past the first check, fails the frame decoder.
            sendBytes(member.clientAddress(), concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(
                    StandardCharsets.US_ASCII), junk(random, 4096)));
            // Raft's port: length-prefixed frames, so random bytes read as an absurd length or a bad message.
            for (int i = 0; i < 3; i++) {
                sendGarbage(member.peerAddress(), random);
            }
        }
        assertAllUpAndDataIntact();
    }

    private void assertAllUpAndDataIntact() {
        for (ServerProcess member : cluster.members()) {
            assertTrue(member.isAlive(), member + " is running");
        }
        ServerProcess now = cluster.awaitLeader();
        assertEquals(leader.name(), now.name(), "bad input cost no election");
        assertEquals(termBefore, cluster.header(now).orElseThrow().getRaftTerm(), "and no term change");
        for (ServerProcess member : cluster.members()) {
            KVGrpc.KVBlockingStub stub = cluster.stub(member);
            for (int i = 0; i < KEPT_ZNODES; i++) {
                assertEquals("v" + i, stub.get(GetRequest.newBuilder().setPath("/kept/k" + i).build()).getValue()
                        .toStringUtf8(), "/kept/k" + i + " via " + member.name());
            }
        }
    }

    private static StatusRuntimeException assertError(ErrorCode reason, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
        assertEquals(reason.name(), e.getTrailers().get(ErrorTrailers.REASON), e.toString());
        return e;
    }

    private static void sendGarbage(HostPort address, Random random) throws IOException {
        sendBytes(address, junk(random, 1 + random.nextInt(64 << 10)));
    }

    private static void sendBytes(HostPort address, byte[] bytes) throws IOException {
        try (Socket socket = new Socket(address.host(), address.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                // Wait for the server to close or answer (a GOAWAY): the bytes were read, not just buffered.
                socket.getInputStream().read(new byte[1024]);
            } catch (IOException closedByServer) {
                // the server may close before reading everything: that is the point
            }
        }
    }

    private static byte[] junk(Random random, int length) {
        byte[] junk = new byte[length];
        random.nextBytes(junk);
        return junk;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
