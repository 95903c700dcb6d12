package io.kvstore.jepsen.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The loopback fallback's per-link proxy against a real echo server on 127.0.0.1. */
class LinkProxyTest {
    private ServerSocket echo;
    private Thread echoThread;
    private LinkProxy proxy;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (true) { // until the test closes the server socket
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // the test closed it
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
        proxy = new LinkProxy(0, echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(5_000);
        return s;
    }

    private static String exchange(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes());
        return read(s, text.length());
    }

    private static String read(Socket s, int n) throws IOException {
        byte[] buf = s.getInputStream().readNBytes(n);
        return new String(buf);
    }

    @Test
    void forwardsBothWays() throws IOException {
        try (Socket s = connect()) {
            assertEquals("hello", exchange(s, "hello"));
        }
    }

    @Test
    void aBlockedLinkHoldsBytesAndNewConnectionsUntilHealedAndLosesNothing() throws IOException {
        try (Socket s = connect()) {
            assertEquals("before", exchange(s, "before"));
            proxy.block();
            s.getOutputStream().write("during".getBytes());
            s.setSoTimeout(500); // nothing may come back while the link is cut
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
            try (Socket late = connect()) { // accepted, but not connected through while cut
                late.getOutputStream().write("late".getBytes());
                late.setSoTimeout(300);
                assertThrows(SocketTimeoutException.class, () -> late.getInputStream().read());
                proxy.unblock();
                s.setSoTimeout(5_000);
                late.setSoTimeout(5_000);
                assertEquals("during", read(s, 6));
                assertEquals("late", read(late, 4));
            }
            assertEquals("after", exchange(s, "after"));
        }
    }

    @Test
    void loopbackNetworkCutsBothDirectionsOfExactlyTheNamedLinks() {
        LoopbackNetwork net = new LoopbackNetwork(3);
        try {
            net.setUp();
            assertFalse(net.peerAddressSeenBy(0, 1).equals(net.peerAddress(1)), "member 0 must dial 1 via a proxy");
            net.cut(Set.of(new Link(0, 2)));
            assertTrue(net.blocked(0, 2));
            assertTrue(net.blocked(2, 0));
            assertFalse(net.blocked(0, 1));
            assertFalse(net.blocked(1, 2));
            net.cut(Set.of());
            assertFalse(net.blocked(0, 2));
            assertFalse(net.blocked(2, 0));
        } finally {
            net.close();
        }
    }
}
