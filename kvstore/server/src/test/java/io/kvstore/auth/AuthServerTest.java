package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.AuthGrpc;
import io.kvstore.api.v1.AuthenticateRequest;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.MemberAddRequest;
import io.kvstore.api.v1.MemberListRequest;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.UserGetRequest;
import io.kvstore.client.CreateOptions;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.PutOptions;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchMode;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.server.KvServer;
import io.kvstore.server.member.MembersService;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import io.kvstore.store.command.PublishMember;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth over real loopback gRPC on one member: every service denied or allowed as the method table says, the table
 * covers every registered method, watches filtered per event, and no escalation by a non-root user. The tests share
 * one server with auth enabled in {@link #start}; {@code enableAndDisable} alone turns it off and on again, on its
 * own data, ending with auth enabled as before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthServerTest {

    private KvServer server;
    private KvClient root;
    private KvClient alice;
    private KvClient bob;
    private ManagedChannel channel;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = KvServer.start(TestServers.single(dir.resolve("n1")));
        String endpoint = server.clientAddress().toString();
        try (KvClient open = KvClient.builder().endpoints(endpoint).build()) {
            Awaiting.succeeds(() -> open.put("/ready", bytes("1")), Duration.ofSeconds(10));
            open.auth().addUser("root", "root-pw");
            open.auth().addUser("alice", "alice-pw");
            open.auth().addUser("bob", "bob-pw");
            open.auth().addRole("app-a");
            open.auth().grant("app-a", "/app/a/", Permission.WRITE);
            open.auth().grantRole("alice", "app-a");
            open.create("/app/a/x", bytes("ax"), CreateOptions.MAKE_PARENTS);
            open.create("/app/b/y", bytes("by"), CreateOptions.MAKE_PARENTS);
            open.auth().enable();
        }
        root = KvClient.builder().endpoints(endpoint).credentials("root", "root-pw").build();
        alice = KvClient.builder().endpoints(endpoint).credentials("alice", "alice-pw").build();
        bob = KvClient.builder().endpoints(endpoint).credentials("bob", "bob-pw").build();
        channel = TestServers.channel(server.clientAddress());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {root, alice, bob}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyRegisteredMethodHasARowInTheAuthorizationTable() {
        java.util.Set<String> missing = new java.util.TreeSet<>(server.registeredMethods());
        missing.removeAll(MethodTable.methods());
        assertEquals(java.util.Set.of(), missing, "add these methods to MethodTable (who may call them, and what "
                + "each request needs)");
        java.util.Set<String> stale = new java.util.TreeSet<>(MethodTable.methods());
        stale.removeAll(server.registeredMethods());
        assertEquals(java.util.Set.of(), stale, "MethodTable rows for methods the server does not serve");
    }

    @Test
    void withoutCredentialsOnlyOpenMethodsAnswer() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(channel).get(GetRequest.newBuilder().setPath("/app/a/x").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertEquals(ErrorCode.AUTH_REQUIRED, ErrorTrailers.reason(e).orElseThrow());
        assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
                HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void badPasswordAndBadTokenAreUnauthenticatedWithoutSayingWhich() {
        StatusRuntimeException wrongPassword = assertThrows(StatusRuntimeException.class, () -> AuthGrpc
                .newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder().setUser("alice")
                        .setPassword("nope").build()));
        StatusRuntimeException noSuchUser = assertThrows(StatusRuntimeException.class, () -> AuthGrpc
                .newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder().setUser("mallory")
                        .setPassword("nope").build()));
        assertEquals(ErrorCode.AUTH_FAILED, ErrorTrailers.reason(wrongPassword).orElseThrow());
        assertEquals(wrongPassword.getStatus().getDescription(), noSuchUser.getStatus().getDescription());
        StatusRuntimeException forged = assertThrows(StatusRuntimeException.class, () -> withToken("abc.def")
                .get(GetRequest.newBuilder().setPath("/app/a/x").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, forged.getStatus().getCode());
        assertEquals(ErrorCode.TOKEN_INVALID, ErrorTrailers.reason(forged).orElseThrow());
    }

    @Test
    void aUserLimitedToAPrefixReadsAndWritesThereOnly() {
        root.put("/app/a/t1", bytes("a1"));
        root.put("/app/b/t1", bytes("b1"));
        assertEquals("a1", text(alice.get("/app/a/t1").value()));
        alice.put("/app/a/t1", bytes("a2"));
        alice.create("/app/a/new/deep", bytes("d"), CreateOptions.MAKE_PARENTS);
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.get("/app/b/t1")));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.put("/app/b/t1", bytes("x"))));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.put("/app/ab", bytes("x"))),
                "/app/a/ does not cover /app/ab");
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.list("/app")));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.put("/app/a2/x", bytes("x"),
                new PutOptions(PutOptions.ANY_VERSION, true))));
        assertEquals("b1", text(root.get("/app/b/t1").value()), "the denied put changed nothing");
        assertEquals("a2", text(root.get("/app/a/t1").value()));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> bob.get("/app/a/x")), "no roles, no access");
    }

    @Test
    void aTxnIsCheckedOpByOpInBothBranches() {
        root.put("/app/b/t2", bytes("b2"));
        TxnRequest ok = TxnRequest.newBuilder().addSuccess(TxnOp.newBuilder().setGet(GetRequest.newBuilder()
                .setPath("/app/a/x"))).build();
        withUserToken("alice", "alice-pw").txn(ok);
        TxnRequest sneaky = ok.toBuilder().addFailure(TxnOp.newBuilder().setPut(PutRequest.newBuilder()
                .setPath("/app/b/t2").setValue(ByteString.copyFromUtf8("pwned")))).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> withUserToken("alice", "alice-pw").txn(sneaky));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("b2", text(root.get("/app/b/t2").value()));
    }

    @Test
    void aNonRootUserCannotEscalate() {
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.auth().grantRole("alice", "root")));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.auth().grant("app-a", "/", Permission.ADMIN)));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.auth().addUser("eve", "pw")));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.auth().disable()));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.auth().changePassword("root", "mine")));
        assertEquals(ErrorCode.PERMISSION_DENIED, reason(() -> alice.auth().userRoles("root")));
        assertEquals(List.of("app-a"), alice.auth().userRoles("alice"), "a user may read itself");
        assertEquals(List.of("app-a"), root.auth().userRoles("alice"));
        assertTrue(root.auth().status().enabled());
        // Cluster: reading is for any user, changing needs ADMIN on /.
        ClusterGrpc.newBlockingStub(channel).withInterceptors(bearer(token("alice", "alice-pw")))
                .memberList(MemberListRequest.getDefaultInstance());
        StatusRuntimeException add = assertThrows(StatusRuntimeException.class, () -> ClusterGrpc
                .newBlockingStub(channel).withInterceptors(bearer(token("alice", "alice-pw")))
                .memberAdd(MemberAddRequest.newBuilder().setName("n9").setPeerAddress("127.0.0.1:1").build()));
        assertEquals(Status.Code.PERMISSION_DENIED, add.getStatus().getCode());
    }

    @Test
    void memberOnlyMethodsRefuseUsersEvenRoot() {
        PublishMember publish = PublishMember.newBuilder().setMemberId("n1").setClientAddress("10.6.6.6:1").build();
        for (String user : List.of("alice", "root")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                    .blockingUnaryCall(channel, MembersService.PUBLISH, io.grpc.CallOptions.DEFAULT, publish), user);
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            StatusRuntimeException asUser = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                    .blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel, bearer(token(user,
                            user + "-pw"))), MembersService.PUBLISH, io.grpc.CallOptions.DEFAULT, publish));
            assertEquals(Status.Code.PERMISSION_DENIED, asUser.getStatus().getCode());
        }
        assertEquals(server.clientAddress().toString(), server.clientAddressOf("n1").orElseThrow());
    }

    @Test
    void aSubtreeWatchDeliversOnlyReadableEventsAndAnUnreadablePathIsRefused() throws Exception {
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        AtomicReference<KvException> refused = new AtomicReference<>();
        try (Watcher all = alice.watch("/app", WatchOptions.DEFAULT.withMode(WatchMode.SUBTREE), events(seen, null));
             Watcher denied = alice.watch("/app/b/y", WatchOptions.DEFAULT, events(new CopyOnWriteArrayList<>(),
                     refused))) {
            Awaiting.until(() -> refused.get() != null, Duration.ofSeconds(10), () -> "watch on /app/b/y refused");
            assertEquals(ErrorCode.PERMISSION_DENIED, refused.get().reason().orElseThrow());
            root.put("/app/b/y", bytes("secret"));
            root.put("/app/ab", bytes("secret"));
            root.put("/app/a/x", bytes("visible"));
            Awaiting.until(() -> seen.stream().anyMatch(e -> e.path().equals("/app/a/x")), Duration.ofSeconds(10),
                    () -> "alice sees the change of /app/a/x");
            root.put("/app/a/x", bytes("visible2"));
            Awaiting.until(() -> seen.stream().filter(e -> e.path().equals("/app/a/x")).count() == 2,
                    Duration.ofSeconds(10), () -> "alice sees the second change");
            assertTrue(seen.stream().allMatch(e -> e.path().startsWith("/app/a/")), () -> "only readable: " + seen);
        }
    }

    @Test
    void rootCanDisableAndAnyoneCanThenEnableAgain() throws Exception {
        // Uses its own client so the shared ones keep working: they re-authenticate after the re-enable.
        root.auth().disable();
        AtomicReference<KvException> cancelled = new AtomicReference<>();
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        try (KvClient open = KvClient.builder().endpoints(server.clientAddress().toString()).build();
             Watcher anonymous = open.watch("/app/b/open", WatchOptions.DEFAULT, events(seen, cancelled))) {
            assertFalse(open.auth().status().enabled());
            Awaiting.until(() -> anonymous.state() == Watcher.State.CONNECTED, Duration.ofSeconds(10),
                    () -> "anonymous watch connected");
            open.put("/app/b/open", bytes("anyone"));
            Awaiting.until(() -> seen.size() == 1, Duration.ofSeconds(10), () -> "anonymous watch sees the write");
            open.auth().enable();
            assertEquals(ErrorCode.AUTH_REQUIRED, reason(() -> open.get("/app/b/open")));
            root.put("/app/b/open", bytes("after enable"));
            Awaiting.until(() -> cancelled.get() != null, Duration.ofSeconds(10),
                    () -> "the anonymous watch is cancelled once auth is enabled");
            assertEquals(ErrorCode.PERMISSION_DENIED, cancelled.get().reason().orElseThrow());
            assertEquals(1, seen.size(), "it saw nothing after the enable: " + seen);
        }
        assertEquals("after enable", text(root.get("/app/b/open").value()), "root got a fresh token transparently");
        alice.get("/app/a/x"); // alice's client re-authenticated too
    }

    // ---- helpers ----

    private static WatchListener events(List<WatchEvent> seen, AtomicReference<KvException> error) {
        return new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                seen.addAll(events);
            }

            @Override
            public void onError(KvException e) {
                if (error != null) {
                    error.set(e);
                }
            }
        };
    }

    private String token(String user, String password) {
        return AuthGrpc.newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder().setUser(user)
                .setPassword(password).build()).getToken();
    }

    private KVGrpc.KVBlockingStub withUserToken(String user, String password) {
        return withToken(token(user, password));
    }

    private KVGrpc.KVBlockingStub withToken(String token) {
        return KVGrpc.newBlockingStub(channel).withInterceptors(bearer(token));
    }

    private static io.grpc.ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private static ErrorCode reason(Runnable call) {
        KvException e = assertThrows(KvException.class, call::run);
        return e.reason().orElseThrow(() -> new AssertionError("no reason: " + e));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
