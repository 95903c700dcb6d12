package io.kvstore.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvUnavailableException;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestPki;
import io.kvstore.server.testing.TestServers;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
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
 * Three real kvserver processes with mutual TLS between members (their own peer CA) and TLS with required client
 * certificates on the client port (a client CA): the cluster works end to end, a client without a certificate and a
 * plaintext client are refused, a renewed certificate is served without a restart, and a member whose peer
 * certificate comes from another CA gets no raft traffic until it is given a good one. Certificates are made by
 * bin/kvstore-certs in a temporary directory that JUnit deletes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsClusterIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private TestPki peerCa;
    private TestPki clientCa;
    private TestPki rogueCa;
    private ProcessCluster cluster;

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        peerCa = TestPki.create(root.resolve("peer-ca"));
        clientCa = TestPki.create(root.resolve("client-ca"));
        rogueCa = TestPki.create(root.resolve("rogue-ca"));
        for (String n : List.of("n1", "n2", "n3")) {
            peerCa.node(n);
            clientCa.node(n);
            rogueCa.node(n);
        }
        clientCa.client("e2e-client");
        cluster = ProcessCluster.start(root.resolve("cluster"), 3, name -> List.of(
                        "--client-cert-file", clientCa.cert(name).toString(),
                        "--client-key-file", clientCa.key(name).toString(),
                        "--client-trusted-ca-file", clientCa.ca().toString(),
                        "--client-cert-auth", "true",
                        "--peer-cert-file", peerCa.cert(name).toString(),
                        "--peer-key-file", peerCa.key(name).toString(),
                        "--peer-trusted-ca-file", peerCa.ca().toString()),
                this::tlsChannel,
                builder -> builder.tls(clientCa.ca())
                        .tlsClientCertificate(clientCa.cert("e2e-client"), clientCa.key("e2e-client")));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void writesOnLeaderAndFollowerAreReadOnEveryMember() {
        ServerProcess leader = cluster.awaitLeader();
        ServerProcess follower = cluster.aFollower(leader);
        cluster.client(List.of(leader.clientAddress().toString())).put("/tls-leader", bytes("one"));
        // Sent to a follower: forwarded to the leader over a member channel, which must present the member's
        // certificate because the leader requires client certificates.
        cluster.client(List.of(follower.clientAddress().toString())).put("/tls-follower", bytes("two"));
        for (ServerProcess member : cluster.members()) {
            assertEquals("one", linearizableGet(member, "/tls-leader"), member.name());
            assertEquals("two", linearizableGet(member, "/tls-follower"), member.name());
        }
    }

    @Test
    @Order(2)
    void clientsWithoutACertificateOrWithoutTlsAreRefused() throws Exception {
        HostPort address = cluster.members().get(0).clientAddress();
        ManagedChannel noCertificate = NettyChannelBuilder.forAddress(address.host(), address.port())
                .sslContext(GrpcSslContexts.forClient().trustManager(clientCa.ca().toFile()).build()).build();
        ManagedChannel plaintext = TestServers.channel(address);
        try {
            for (ManagedChannel channel : List.of(noCertificate, plaintext)) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                                .get(GetRequest.newBuilder().setPath("/tls-leader").build()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            }
        } finally {
            noCertificate.shutdownNow();
            plaintext.shutdownNow();
        }
        KvClient withoutCertificate = KvClient.builder().endpoints(address.toString()).tls(clientCa.ca())
                .requestTimeout(Duration.ofSeconds(1)).retryDeadline(Duration.ofSeconds(2)).build();
        try (withoutCertificate) {
            assertThrows(KvUnavailableException.class, () -> withoutCertificate.get("/tls-leader"));
        }
    }

    @Test
    @Order(3)
    void renewedCertificateIsServedToNewConnectionsWithoutRestart() throws Exception {
        ServerProcess member = cluster.members().get(0);
        BigInteger before = servedSerial(member.clientAddress());
        assertEquals(serialOf(clientCa.cert(member.name())), before);
        clientCa.node(member.name()); // same command as a renewal: new key, new certificate, new serial
        BigInteger renewed = serialOf(clientCa.cert(member.name()));
        assertNotEquals(before, renewed);
        Awaiting.until(() -> renewed.equals(servedSerialOrNull(member.clientAddress())), DEADLINE,
                () -> member.name() + " still serves serial " + servedSerialOrNull(member.clientAddress()));
        assertTrue(member.isAlive());
        assertEquals("one", linearizableGet(member, "/tls-leader"), "the member still answers with the new cert");
    }

    @Test
    @Order(4)
    void memberWithAPeerCertificateOfAnotherCaGetsNoRaftTraffic() {
        ServerProcess leader = cluster.awaitLeader();
        ServerProcess outsider = cluster.aFollower(leader);
        Path goodCert = peerCa.cert(outsider.name());
        Path goodKey = peerCa.key(outsider.name());
        outsider.stop();
        outsider.setFlag("--peer-cert-file", rogueCa.cert(outsider.name()).toString());
        outsider.setFlag("--peer-key-file", rogueCa.key(outsider.name()).toString());
        outsider.start();
        cluster.client(List.of(leader.clientAddress().toString())).put("/tls-while-outside", bytes("x"));
        Awaiting.until(() -> outsider.logTail().contains("TLS handshake failed"), DEADLINE,
                () -> "the outsider's peer connections were refused in the TLS handshake\n" + outsider.logTail());
        assertFalse(serializableExists(outsider, "/tls-while-outside"),
                "a member with another CA's certificate received a write");
        assertFalse(leader.name().equals(leaderSeenBy(outsider)), "the outsider must not hear from the leader");

        // The same member with its own certificate again catches up: the refusal was the certificate.
        outsider.stop();
        outsider.setFlag("--peer-cert-file", goodCert.toString());
        outsider.setFlag("--peer-key-file", goodKey.toString());
        outsider.start();
        Awaiting.until(() -> serializableExists(outsider, "/tls-while-outside"), DEADLINE,
                () -> outsider.name() + " did not catch up with its own certificate\n" + outsider.logTail());
    }

    private String leaderSeenBy(ServerProcess member) {
        return cluster.header(member).map(h -> "n" + h.getLeaderId()).orElse("none");
    }

    private String linearizableGet(ServerProcess member, String path) {
        GetResponse response = cluster.stub(member).get(GetRequest.newBuilder().setPath(path).build());
        return response.getValue().toStringUtf8();
    }

    private boolean serializableExists(ServerProcess member, String path) {
        try {
            return cluster.stub(member).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().setPath(path).setSerializable(true).build()).hasStat();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private ManagedChannel tlsChannel(HostPort address) {
        try {
            return NettyChannelBuilder.forAddress(address.host(), address.port())
                    .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient())
                            .trustManager(clientCa.ca().toFile())
                            .keyManager(clientCa.cert("e2e-client").toFile(), clientCa.key("e2e-client").toFile())
                            .build())
                    .maxInboundMessageSize(4 << 20).build();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private BigInteger servedSerialOrNull(HostPort address) {
        try {
            return servedSerial(address);
        } catch (Exception e) {
            return null;
        }
    }

    /** The serial of the certificate a fresh TLS connection to {@code address} is served (client cert presented). */
    private BigInteger servedSerial(HostPort address) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", loadCert(clientCa.ca()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new javax.net.ssl.KeyManager[] {new io.kvstore.raft.transport.tls.ReloadingKeyManager("test",
                clientCa.cert("e2e-client"), clientCa.key("e2e-client"))}, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(address.host(), address.port())) {
            socket.setSoTimeout(5000);
            socket.setSSLParameters(withH2(socket.getSSLParameters()));
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static javax.net.ssl.SSLParameters withH2(javax.net.ssl.SSLParameters parameters) {
        parameters.setApplicationProtocols(new String[] {"h2"});
        return parameters;
    }

    private static BigInteger serialOf(Path certFile) throws Exception {
        return loadCert(certFile).getSerialNumber();
    }

    private static X509Certificate loadCert(Path file) throws Exception {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
