package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.Permission;
import io.kvstore.client.DistributedLock;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.Session;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.transport.tls.TlsFiles;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.config.TlsConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestPki;
import io.kvstore.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS with required client certificates and auth, end to end on three in-process members: the client certificate's
 * CN is the user, and a call a follower forwards to the leader (presenting the follower's own certificate there) is
 * still authorized on the leader as that user, not as the forwarding member, also for the lock waiter's removal
 * after a timeout. Certificates come from bin/kvstore-certs.
 */
class TlsAuthClusterTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    private final List<KvServer> servers = new ArrayList<>();
    private final List<KvClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(KvClient::close);
        servers.forEach(KvServer::close);
    }

    @Test
    void aClientCertificateActsAsItsUserAlsoThroughAFollower(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        ServerConfig[] configs = TestServers.cluster(dir, 3);
        for (int i = 0; i < configs.length; i++) {
            String name = configs[i].name();
            pki.node(name);
            configs[i] = configs[i].withTls(new TlsConfig(new TlsFiles(pki.cert(name), pki.key(name), pki.ca()),
                    true, null));
        }
        int leader = TestServers.startSettled(configs, servers, AWAIT);
        int follower = (leader + 1) % 3;
        pki.client("root");
        pki.client("alice");

        KvClient rootAtLeader = client(pki, "root", leader);
        rootAtLeader.auth().addUser("root", "root-pw");
        rootAtLeader.auth().addUser("alice", "alice-pw");
        rootAtLeader.auth().addRole("app");
        rootAtLeader.auth().grant("app", "/app/", Permission.WRITE);
        rootAtLeader.auth().grant("app", "/_locks/jobs/", Permission.WRITE);
        rootAtLeader.auth().grant("app", "/_locks", Permission.WRITE);
        rootAtLeader.auth().grantRole("alice", "app");
        // A user named like the follower, allowed what alice is not: a leader that took a forwarded call's
        // certificate (the follower's) as the user would allow /other below.
        String followerName = configs[follower].name();
        rootAtLeader.auth().addUser(followerName, "pw");
        rootAtLeader.auth().addRole("other");
        rootAtLeader.auth().grant("other", "/other", Permission.WRITE);
        rootAtLeader.auth().grantRole(followerName, "other");
        rootAtLeader.put("/app", bytes("app"));
        rootAtLeader.put("/other", bytes("other"));
        rootAtLeader.auth().enable();

        KvClient alice = client(pki, "alice", follower);
        assertEquals(Role.FOLLOWER, servers.get(follower).raftStatus().role(), "alice's member forwards her writes");
        Awaiting.succeeds(() -> alice.put("/app/x", bytes("by alice")), AWAIT);
        assertArrayEquals(bytes("by alice"), rootAtLeader.get("/app/x").value());
        KvException denied = assertThrows(KvException.class, () -> alice.put("/other", bytes("no")));
        assertEquals(Optional.of(ErrorCode.PERMISSION_DENIED), denied.reason(), denied.toString());
        assertArrayEquals(bytes("other"), rootAtLeader.get("/other").value());

        // What a follower whose auth state lags the enable would send (no member credential, no user named): the
        // leader must not take the follower's certificate as the user. Not forwarded, the CN is the user.
        io.grpc.ManagedChannel asFollower = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1",
                servers.get(leader).clientAddress().port()).sslContext(io.grpc.netty.GrpcSslContexts.forClient()
                .trustManager(pki.ca().toFile()).keyManager(pki.cert(followerName).toFile(),
                        pki.key(followerName).toFile()).build()).build();
        try {
            io.grpc.Metadata forwarded = new io.grpc.Metadata();
            forwarded.put(io.kvstore.server.kv.Forwarder.FORWARDED_BY, followerName);
            io.kvstore.api.v1.PutRequest put = io.kvstore.api.v1.PutRequest.newBuilder().setPath("/other")
                    .setValue(com.google.protobuf.ByteString.copyFrom(bytes("by " + followerName))).build();
            io.grpc.StatusRuntimeException refused = assertThrows(io.grpc.StatusRuntimeException.class, () ->
                    io.kvstore.api.v1.KVGrpc.newBlockingStub(asFollower).withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                            .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forwarded))
                            .put(put));
            assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.toString());
            assertEquals(Optional.of(ErrorCode.AUTH_REQUIRED), io.kvstore.api.ErrorTrailers.reason(refused));
            io.kvstore.api.v1.KVGrpc.newBlockingStub(asFollower).withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS).put(put);
        } finally {
            asFollower.shutdownNow();
        }

        // A waiter that times out on the follower is removed on the leader as alice (no token: by certificate).
        KvClient aliceAtLeader = client(pki, "alice", leader);
        try (Session holderSession = aliceAtLeader.openSession(Duration.ofSeconds(60));
             Session waiterSession = alice.openSession(Duration.ofSeconds(60))) {
            DistributedLock holder = aliceAtLeader.lock("jobs", holderSession);
            assertTrue(holder.acquire(Duration.ofSeconds(10)));
            assertFalse(alice.lock("jobs", waiterSession).acquire(Duration.ofMillis(300)));
            Awaiting.until(() -> rootAtLeader.list("/_locks/jobs").size() == 1, AWAIT,
                    () -> "the timed-out waiter was not removed: " + rootAtLeader.list("/_locks/jobs"));
            holder.release();
        }
    }

    private KvClient client(TestPki pki, String user, int member) {
        KvClient c = KvClient.builder().endpoints(servers.get(member).clientAddress().toString()).tls(pki.ca())
                .tlsClientCertificate(pki.cert(user), pki.key(user)).build();
        clients.add(c);
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
