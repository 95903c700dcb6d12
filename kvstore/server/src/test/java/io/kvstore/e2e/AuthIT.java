package io.kvstore.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.AuthGrpc;
import io.kvstore.api.v1.AuthenticateRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.client.CreateOptions;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchMode;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth end to end on three real member processes (docs/security.md): auth is enabled while a credentialed client
 * keeps writing (no failed write), a user limited to /app/a/ reads and writes there through a follower (forwarded
 * and authorized again on the leader), is denied elsewhere, sees only permitted watch events, cannot escalate;
 * tokens expire (the members run with a 3 s token lifetime) and the client renews its own transparently; the leader
 * refuses a call that only claims to be forwarded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthIT {
    private static final long TOKEN_TTL_SECONDS = 3;

    private ProcessCluster cluster;
    private ServerProcess leader;
    private ServerProcess follower;
    private final java.util.List<ManagedChannel> channels = new java.util.ArrayList<>();

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    void start(@TempDir Path root) {
        cluster = ProcessCluster.start(root, 3, List.of("--auth-token-ttl-seconds", Long.toString(TOKEN_TTL_SECONDS)));
        leader = cluster.awaitLeader();
        follower = cluster.aFollower(leader);
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void authIsEnabledOnTheRunningClusterWithoutAFailedWrite() {
        KvClient open = cluster.client(cluster.endpoints());
        open.auth().addUser("root", "root-pw");
        open.auth().addUser("alice", "alice-pw");
        open.auth().addRole("app-a");
        open.auth().grant("app-a", "/app/a/", Permission.WRITE);
        open.auth().grantRole("alice", "app-a");
        open.create("/app/b/secret", bytes("s"), CreateOptions.MAKE_PARENTS);
        open.create("/app/a/k", bytes("0"), CreateOptions.MAKE_PARENTS);
        open.create("/load", bytes(""));
        try (KvClient writer = KvClient.builder().endpoints(cluster.endpoints()).credentials("root", "root-pw")
                .build()) {
            for (int i = 0; i < 120; i++) {
                if (i == 40) {
                    open.auth().enable();
                }
                writer.put("/load/k" + i, bytes(Integer.toString(i))); // throws on any failure
            }
            assertEquals(120, writer.list("/load").size());
        }
        KvException refused = assertThrows(KvException.class, () -> open.get("/load/k1"));
        assertEquals(ErrorCode.AUTH_REQUIRED, refused.reason().orElseThrow());
    }

    @Test
    @Order(2)
    void aLimitedUserWritesThroughAFollowerAndIsDeniedElsewhere() {
        KvClient anonymous = cluster.client(List.of(follower.clientAddress().toString()));
        try (KvClient aliceOnFollower = KvClient.builder().endpoints(follower.clientAddress().toString())
                .credentials("alice", "alice-pw").build()) {
            aliceOnFollower.put("/app/a/k", bytes("from-follower")); // forwarded to the leader and authorized there
            assertEquals("from-follower", text(aliceOnFollower.get("/app/a/k").value()));
            KvException denied = assertThrows(KvException.class, () -> aliceOnFollower.put("/app/b/secret",
                    bytes("x")));
            assertEquals(ErrorCode.PERMISSION_DENIED, denied.reason().orElseThrow());
            assertEquals(ErrorCode.PERMISSION_DENIED, assertThrows(KvException.class,
                    () -> aliceOnFollower.get("/app/b/secret")).reason().orElseThrow());
            assertEquals(ErrorCode.PERMISSION_DENIED, assertThrows(KvException.class,
                    () -> aliceOnFollower.auth().grantRole("alice", "root")).reason().orElseThrow());
            assertEquals(ErrorCode.PERMISSION_DENIED, assertThrows(KvException.class,
                    () -> aliceOnFollower.auth().disable()).reason().orElseThrow());
        }
        assertEquals(ErrorCode.AUTH_REQUIRED, assertThrows(KvException.class, () -> anonymous.get("/app/a/k"))
                .reason().orElseThrow(), "a client without credentials gets nothing");
    }

    @Test
    @Order(3)
    void theLeaderChecksACallThatClaimsToBeForwarded() {
        Metadata forged = new Metadata();
        forged.put(Metadata.Key.of("kvstore-forwarded", Metadata.ASCII_STRING_MARSHALLER), follower.name());
        forged.put(Metadata.Key.of("kvstore-on-behalf-of", Metadata.ASCII_STRING_MARSHALLER), "root");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(leader)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forged))
                .put(PutRequest.newBuilder().setPath("/app/b/secret").setValue(bytes2("pwned")).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), "on-behalf-of needs a member");
        try (KvClient rootClient = KvClient.builder().endpoints(cluster.endpoints()).credentials("root", "root-pw")
                .build()) {
            assertEquals("s", text(rootClient.get("/app/b/secret").value()));
            // The leader probes every member's Status with its member credential to report their progress.
            Awaiting.until(() -> rootClient.cluster().members().stream().allMatch(m -> m.progressKnown()),
                    Duration.ofSeconds(10), () -> "member list with every member's progress, under auth");
        }
    }

    @Test
    @Order(4)
    void aSubtreeWatchSeesOnlyPermittedEvents() {
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        try (KvClient alice = KvClient.builder().endpoints(follower.clientAddress().toString())
                .credentials("alice", "alice-pw").build();
             KvClient rootClient = KvClient.builder().endpoints(cluster.endpoints()).credentials("root", "root-pw")
                     .build();
             Watcher watcher = alice.watch("/app", WatchOptions.DEFAULT.withMode(WatchMode.SUBTREE),
                     new WatchListener() {
                         @Override
                         public void onEvents(List<WatchEvent> events) {
                             seen.addAll(events);
                         }
                     })) {
            Awaiting.until(() -> watcher.state() == Watcher.State.CONNECTED, Duration.ofSeconds(10),
                    () -> "watch connected");
            rootClient.put("/app/b/secret", bytes("changed"));
            rootClient.put("/app/a/k", bytes("visible"));
            Awaiting.until(() -> seen.stream().anyMatch(e -> e.path().equals("/app/a/k")), Duration.ofSeconds(10),
                    () -> "alice's watch sees /app/a/k");
            assertTrue(seen.stream().allMatch(e -> e.path().startsWith("/app/a/")), () -> "only /app/a/: " + seen);
        }
    }

    @Test
    @Order(5)
    void expiredTokensAreRejectedAndTheClientRenewsItsOwn() {
        String token = AuthGrpc.newBlockingStub(channel(follower)).authenticate(AuthenticateRequest.newBuilder()
                .setUser("alice").setPassword("alice-pw").build()).getToken();
        Metadata bearer = new Metadata();
        bearer.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        KVGrpc.KVBlockingStub withToken = stub(leader).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
                bearer));
        withToken.get(GetRequest.newBuilder().setPath("/app/a/k").build()); // minted by a follower, valid on the leader
        try (KvClient alice = KvClient.builder().endpoints(cluster.endpoints()).credentials("alice", "alice-pw")
                .build()) {
            alice.get("/app/a/k");
            Awaiting.until(() -> {
                try {
                    withToken.get(GetRequest.newBuilder().setPath("/app/a/k").build());
                    return false;
                } catch (StatusRuntimeException e) {
                    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
                    assertEquals(ErrorCode.TOKEN_EXPIRED, ErrorTrailers.reason(e).orElseThrow());
                    return true;
                }
            }, Duration.ofSeconds(TOKEN_TTL_SECONDS + 10), () -> "the token expires after " + TOKEN_TTL_SECONDS + " s");
            assertEquals("visible", text(alice.get("/app/a/k").value()), "the client renewed its token by itself");
        }
    }

    private KVGrpc.KVBlockingStub stub(ServerProcess member) {
        return KVGrpc.newBlockingStub(channel(member)).withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    private ManagedChannel channel(ServerProcess member) {
        ManagedChannel channel = TestServers.channel(member.clientAddress());
        channels.add(channel);
        return channel;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static com.google.protobuf.ByteString bytes2(String s) {
        return com.google.protobuf.ByteString.copyFromUtf8(s);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
