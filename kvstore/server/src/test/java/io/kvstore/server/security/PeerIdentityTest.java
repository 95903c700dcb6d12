package io.kvstore.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.kvstore.raft.transport.tls.TlsFiles;
import io.kvstore.server.config.TlsConfig;
import io.kvstore.server.testing.TestPki;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract auth relies on: {@link PeerIdentity#CLIENT_CERT_CN} holds the CN of a verified client certificate and
 * nothing otherwise. A real TLS listener made by {@link ClientTls} (client certificates optional) and a test method
 * that answers with what the context holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerIdentityTest {
    private static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Identity/Who")
            .setRequestMarshaller(new Utf8()).setResponseMarshaller(new Utf8()).build();

    private TestPki pki;
    private Server server;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        pki.node("server");
        pki.client("alice");
        ClientTls tls = ClientTls.of(new TlsConfig(new TlsFiles(pki.cert("server"), pki.key("server"), pki.ca()),
                false, null));
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Identity")
                .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(String.valueOf(PeerIdentity.CLIENT_CERT_CN.get()));
                    response.onCompleted();
                })).build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(tls.serverContext())
                .addService(ServerInterceptors.intercept(service, new PeerIdentity())).build().start();
    }

    @AfterAll
    void stop() {
        server.shutdownNow();
    }

    @Test
    void verifiedClientCertificateCommonNameIsInTheContext() throws Exception {
        assertEquals("alice", who(GrpcSslContexts.forClient().trustManager(pki.ca().toFile())
                .keyManager(pki.cert("alice").toFile(), pki.key("alice").toFile())));
    }

    @Test
    void withoutClientCertificateTheContextHoldsNothing() throws Exception {
        assertEquals("null", who(GrpcSslContexts.forClient().trustManager(pki.ca().toFile())));
    }

    @Test
    void commonNameIsTheFirstCnOfTheSubject() {
        assertEquals(Optional.of("alice"), PeerIdentity.commonName("CN=alice,O=Example,C=DE"));
        assertEquals(Optional.of("a,b"), PeerIdentity.commonName("CN=a\\,b,OU=x"));
        assertEquals(Optional.empty(), PeerIdentity.commonName("O=Example"));
        assertEquals(Optional.empty(), PeerIdentity.commonName("not a dn"));
    }

    private String who(SslContextBuilder tls) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .sslContext(tls.build()).build();
        try {
            return ClientCalls.blockingUnaryCall(channel, WHO,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "who");
        } finally {
            channel.shutdownNow();
        }
    }

    private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
