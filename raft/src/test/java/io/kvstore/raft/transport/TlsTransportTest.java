package io.kvstore.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvstore.raft.core.Message;
import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import io.kvstore.raft.testing.TestPki;
import io.kvstore.raft.transport.tls.PeerTls;
import io.kvstore.raft.transport.tls.TlsFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NettyTransport with mutual TLS over loopback, with certificates made by bin/kvstore-certs. */
class TlsTransportTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String CLUSTER = "c1";

    @TempDir
    static Path pkiRoot;
    private static TestPki pki;
    private static TestPki otherPki;

    private final List<NettyTransport> started = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.create(pkiRoot.resolve("ca"));
        pki.node("n1");
        pki.node("n2");
        otherPki = TestPki.create(pkiRoot.resolve("other"));
        otherPki.node("n2");
    }

    @AfterEach
    void closeAll() {
        started.forEach(NettyTransport::close);
    }

    @Test
    void membersWithCertificatesOfTheTrustedCaExchangeMessages() throws Exception {
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        NettyTransport n1 = start("n1", members, tls(pki, "n1"), new LinkedBlockingQueue<>());
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        start("n2", members, tls(pki, "n2"), inbox);
        n1.send(new Message.Heartbeat("n1", "n2", 1, 0, 7));
        Message received = inbox.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(received, "n2 got nothing over TLS; n1 stats " + n1.stats());
        assertEquals(7, ((Message.Heartbeat) received).round());
    }

    @Test
    void memberWithCertificateOfAnotherCaIsRefusedInTheHandshake() throws Exception {
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        BlockingQueue<Message> n1Inbox = new LinkedBlockingQueue<>();
        NettyTransport n1 = start("n1", members, tls(pki, "n1"), n1Inbox);
        NettyTransport intruder = start("n2", members, tls(otherPki, "n2"), new LinkedBlockingQueue<>());
        intruder.send(new Message.Heartbeat("n2", "n1", 1, 0, 1));
        Awaiting.until(() -> n1.stats().helloRejectedSent() >= 1 && intruder.stats().helloRejectedReceived() >= 1,
                DEADLINE, () -> "n1 " + n1.stats() + ", intruder " + intruder.stats());
        assertNull(n1Inbox.poll(200, TimeUnit.MILLISECONDS), "a message crossed a failed handshake");
    }

    @Test
    void plaintextPeerIsRefusedByATlsMember() throws Exception {
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        BlockingQueue<Message> n1Inbox = new LinkedBlockingQueue<>();
        NettyTransport n1 = start("n1", members, tls(pki, "n1"), n1Inbox);
        NettyTransport plain = start("n2", members, null, new LinkedBlockingQueue<>());
        plain.send(new Message.Heartbeat("n2", "n1", 1, 0, 1));
        Awaiting.until(() -> n1.stats().helloRejectedSent() >= 1, DEADLINE, () -> "n1 " + n1.stats());
        assertNull(n1Inbox.poll(200, TimeUnit.MILLISECONDS), "a plaintext message was delivered");
    }

    @Test
    void garbageBeforeTheHandshakeClosesOnlyThatConnection() throws Exception {
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        BlockingQueue<Message> n1Inbox = new LinkedBlockingQueue<>();
        start("n1", members, tls(pki, "n1"), n1Inbox);
        try (Socket socket = new Socket()) {
            socket.connect(members.get("n1"), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {0, 0, 0, 5, 1, 2, 3, 4, 5, 22, 3, 1, 0, 1, 0});
            out.flush();
            assertEquals(-1, readUntilClosed(socket), "the member must close a non-TLS connection");
        }
        NettyTransport n2 = start("n2", members, tls(pki, "n2"), new LinkedBlockingQueue<>());
        n2.send(new Message.Heartbeat("n2", "n1", 1, 0, 3));
        assertNotNull(n1Inbox.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "n1 stopped accepting after garbage");
    }

    @Test
    void peerTlsNeedsACaFile() {
        assertThrows(IllegalArgumentException.class,
                () -> PeerTls.of(new TlsFiles(pki.cert("n1"), pki.key("n1"), null)));
    }

    @Test
    void mismatchedKeyIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class,
                () -> PeerTls.of(new TlsFiles(pki.cert("n1"), pki.key("n2"), pki.ca())));
    }

    private static int readUntilClosed(Socket socket) throws IOException {
        try {
            int b;
            while ((b = socket.getInputStream().read()) != -1) {
                // discard an alert, if any
            }
            return b;
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static PeerTls tls(TestPki authority, String name) {
        return PeerTls.of(new TlsFiles(authority.cert(name), authority.key(name), authority.ca()));
    }

    private NettyTransport start(String id, Map<String, InetSocketAddress> members, PeerTls tls,
                                 BlockingQueue<Message> inbox) {
        NettyTransport t = new NettyTransport(id, CLUSTER, members.get(id), members, tls);
        started.add(t);
        t.start(inbox::add, frame -> { });
        return t;
    }
}
