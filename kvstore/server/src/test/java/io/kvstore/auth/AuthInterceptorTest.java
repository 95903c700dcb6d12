package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.security.PeerIdentity;
import io.kvstore.server.testing.TestServers;
import io.kvstore.store.command.AuthStateRecord;
import io.kvstore.store.command.AuthToken;
import io.kvstore.store.command.RoleRecord;
import io.kvstore.store.command.UserRecord;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The identities {@link AuthInterceptor} accepts besides user tokens: a client certificate's common name (put in the
 * context by the peer identity interceptor, simulated here by a header), a member credential, and a user a member
 * names on a forwarded call; and what {@link ForwardedIdentity} sends on. Real gRPC over loopback.
 */
class AuthInterceptorTest {

    private static final ByteString SECRET = ByteString.copyFrom(new byte[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
            7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7});
    private static final Metadata.Key<String> TEST_CN = Metadata.Key.of("test-cn", Metadata.ASCII_STRING_MARSHALLER);

    private final AuthState state = new AuthState(
            AuthStateRecord.newBuilder().setEnabled(true).setSecret(SECRET).setRevision(5).setEnabledRevision(1)
                    .build(),
            Map.of("alice", UserRecord.newBuilder().addRoles("r").setCredentialRevision(1).build()),
            Map.of("r", RoleRecord.newBuilder().addGrants(PathGrant.newBuilder().setPathPrefix("/a/")
                    .setPermission(Permission.READ)).build()));
    private final AtomicReference<Caller> served = new AtomicReference<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        KVGrpc.KVImplBase kv = new KVGrpc.KVImplBase() {
            @Override
            public void get(GetRequest request, StreamObserver<GetResponse> response) {
                served.set(AuthInterceptor.CALLER.get());
                response.onNext(GetResponse.getDefaultInstance());
                response.onCompleted();
            }
        };
        // Stands in for the tls branch's peer identity interceptor, which runs before auth.
        ServerInterceptor certificate = new ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, Metadata headers,
                                                                       io.grpc.ServerCallHandler<Q, R> next) {
                String cn = headers.get(TEST_CN);
                return cn == null ? next.startCall(call, headers) : Contexts.interceptCall(
                        Context.current().withValue(PeerIdentity.CLIENT_CERT_CN, cn), call, headers, next);
            }
        };
        AuthInterceptor auth = new AuthInterceptor(() -> state, () -> 1_000, path -> true);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(kv, auth, certificate)).build().start();
        channel = TestServers.channel(new HostPort("127.0.0.1", server.getPort()));
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void aClientCertificateCommonNameIsTheUser() {
        get(headers(TEST_CN, "alice"), "/a/x");
        assertEquals(Caller.user("alice"), served.get());
        assertEquals(ErrorCode.PERMISSION_DENIED, refused(headers(TEST_CN, "alice"), "/b"));
        assertEquals(ErrorCode.PERMISSION_DENIED, refused(headers(TEST_CN, "mallory"), "/a/x"),
                "an unknown name has no roles");
        assertEquals(ErrorCode.AUTH_REQUIRED, refused(new Metadata(), "/a/x"));
    }

    @Test
    void onlyAMemberMayNameTheUserOfAForwardedCall() {
        Metadata claim = headers(AuthInterceptor.ON_BEHALF_OF, "alice");
        assertEquals(ErrorCode.PERMISSION_DENIED, refused(claim, "/a/x"));
        claim.put(AuthInterceptor.MEMBER_TOKEN, memberToken());
        get(claim, "/a/x");
        assertEquals(Caller.user("alice"), served.get(), "authorized as the user, not as the member");
        assertEquals(ErrorCode.PERMISSION_DENIED, refused(claim, "/b"));
    }

    @Test
    void aMemberAloneIsNoUserAndTokenKindsAreNotInterchangeable() {
        assertEquals(ErrorCode.PERMISSION_DENIED, refused(headers(AuthInterceptor.MEMBER_TOKEN, memberToken()),
                "/a/x"));
        assertEquals(ErrorCode.TOKEN_INVALID, refused(headers(AuthInterceptor.AUTHORIZATION, "Bearer "
                + memberToken()), "/a/x"));
        String userToken = Tokens.mint(SECRET, AuthToken.newBuilder().setSubject("alice")
                .setKind(AuthToken.Kind.USER).setExpiresAtMillis(2_000).setAuthRevision(5).build());
        assertEquals(ErrorCode.TOKEN_INVALID, refused(headers(AuthInterceptor.MEMBER_TOKEN, userToken), "/a/x"));
        get(headers(AuthInterceptor.AUTHORIZATION, userToken), "/a/x"); // the bare token works too
        assertEquals(Caller.user("alice"), served.get());
    }

    @Test
    void forwardedIdentityCarriesTheTokenElseTheUserName() {
        Metadata withToken = new Metadata();
        Context.current().withValue(AuthInterceptor.CALLER, Caller.user("alice"))
                .withValue(AuthInterceptor.USER_TOKEN, "t0k").run(() -> ForwardedIdentity.attach(Context.current(),
                        withToken));
        assertEquals("Bearer t0k", withToken.get(AuthInterceptor.AUTHORIZATION));
        assertNull(withToken.get(AuthInterceptor.ON_BEHALF_OF));
        Metadata byCertificate = new Metadata();
        Context.current().withValue(AuthInterceptor.CALLER, Caller.user("alice"))
                .run(() -> ForwardedIdentity.attach(Context.current(), byCertificate));
        assertEquals("alice", byCertificate.get(AuthInterceptor.ON_BEHALF_OF));
        Metadata authOff = new Metadata();
        ForwardedIdentity.attach(Context.current(), authOff);
        assertEquals(0, authOff.keys().size());
    }

    private String memberToken() {
        return new MemberCredentials("n2", () -> state, () -> 1_000).token();
    }

    private void get(Metadata headers, String path) {
        served.set(null);
        KVGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .get(GetRequest.newBuilder().setPath(path).build());
    }

    private ErrorCode refused(Metadata headers, String path) {
        served.set(null);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .get(GetRequest.newBuilder().setPath(path).build()));
        assertNull(served.get(), "a refused call never reaches the service");
        return ErrorTrailers.reason(e).orElseThrow();
    }

    private static Metadata headers(Metadata.Key<String> key, String value) {
        Metadata m = new Metadata();
        m.put(key, value);
        return m;
    }
}
