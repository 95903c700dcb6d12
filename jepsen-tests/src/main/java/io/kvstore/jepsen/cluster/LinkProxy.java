package io.kvstore.jepsen.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP forwarder for one direction of one link of the loopback fallback: member a dials b's raft port through
 * the proxy of (a, b). While {@link #block()}ed it forwards nothing: bytes already read wait in the proxy, new
 * connections are accepted and held, nothing is closed, so both ends see what a silent partition shows (writes
 * that go nowhere, then their own timeouts); {@link #unblock()} lets the held bytes and connections through, in
 * order, as TCP would after a healed partition. Thread-safe.
 */
public final class LinkProxy implements AutoCloseable {
    private static final int BUFFER = 16 * 1024;

    private final ServerSocket server;
    private final int targetPort;
    private final Object gate = new Object();
    private final List<Socket> sockets = new ArrayList<>();
    private boolean blocked;
    private boolean closed;

    /** Listens on 127.0.0.1:{@code listenPort} (0: any free port) and forwards to 127.0.0.1:{@code targetPort}. */
    public LinkProxy(int listenPort, int targetPort) {
        this.targetPort = targetPort;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + listenPort, e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "proxy-" + port() + "->" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Stops forwarding (held, not dropped, so no stream is damaged). */
    public void block() {
        synchronized (gate) {
            blocked = true;
        }
    }

    /** Forwards again, held bytes and connections first. */
    public void unblock() {
        synchronized (gate) {
            blocked = false;
            gate.notifyAll();
        }
    }

    public boolean blocked() {
        synchronized (gate) {
            return blocked;
        }
    }

    /** Waits while blocked; false when closed. */
    private boolean awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (blocked && !closed) { // until unblock() or close() notifies
                gate.wait();
            }
            return !closed;
        }
    }

    private void acceptLoop() {
        while (true) { // until close() closes the server socket
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return;
            }
            if (!track(in)) {
                return;
            }
            Thread t = new Thread(() -> connect(in), "proxy-conn-" + port());
            t.setDaemon(true);
            t.start();
        }
    }

    private void connect(Socket in) {
        Socket out = null;
        try {
            if (!awaitOpen()) {
                return;
            }
            out = new Socket();
            out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
            if (!track(out)) {
                return;
            }
            Socket target = out;
            Thread back = new Thread(() -> pump(target, in), "proxy-back-" + port());
            back.setDaemon(true);
            back.start();
            pump(in, out);
        } catch (IOException | InterruptedException e) {
            closeQuietly(in);
            closeQuietly(out);
        }
    }

    /** Copies from → to, holding bytes while blocked; closes both at the end (as the real connection would). */
    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[BUFFER];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (true) { // until either side closes
                int n = in.read(buf);
                if (n < 0 || !awaitOpen()) {
                    break;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side went away: end both
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private boolean track(Socket s) {
        synchronized (gate) {
            if (closed) {
                closeQuietly(s);
                return false;
            }
            sockets.removeIf(Socket::isClosed);
            sockets.add(s);
            return true;
        }
    }

    /** Closes the listener and every connection; idempotent. */
    @Override
    public void close() {
        List<Socket> toClose;
        synchronized (gate) {
            closed = true;
            gate.notifyAll();
            toClose = new ArrayList<>(sockets);
            sockets.clear();
        }
        closeQuietly(server);
        toClose.forEach(LinkProxy::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
