package io.kvstore.jepsen.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The fallback for machines without root or iproute2: every member on 127.0.0.1, the client in the harness's own
 * network, and between members one {@link LinkProxy} per direction of each link. Member a's --cluster names b at
 * the proxy (a, b), which forwards to b's real raft port ({@link #peerAddressSeenBy}); kvstore takes bootstrap
 * members' peer addresses from each member's own flags, so the lists may differ. A cut link blocks both of its
 * proxies.
 *
 * <p>What the proxies do not cover, unlike namespaces: clients reach every member directly (as with namespaces,
 * where partitions cut member links only), and so do member-to-member calls on the client port (forwarded
 * membership changes, status, client-address publishing); a member re-added at runtime has its real peer address
 * in the log, so its links are no longer proxied. Raft itself (append, vote, snapshot) always goes through them.
 * netem is not available.
 */
public final class LoopbackNetwork implements Network {
    /** Members' ports come from below Linux's ephemeral range (32768+), so no outgoing connection can take them. */
    private static final int PORT_FROM = 20_000;
    private static final int PORT_TO = 32_000;

    private final int members;
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final LinkProxy[][] proxies;
    private boolean closed;

    public LoopbackNetwork(int members) {
        this.members = members;
        clientPorts = new int[members];
        peerPorts = new int[members];
        proxies = new LinkProxy[members][members];
        Random random = new Random();
        for (int m = 0; m < members; m++) {
            clientPorts[m] = freePort(random);
            peerPorts[m] = freePort(random);
        }
    }

    /** A port free now (a race with other processes is possible and shows as a member that cannot start). */
    private static int freePort(Random random) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = PORT_FROM + random.nextInt(PORT_TO - PORT_FROM);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IllegalStateException("no free port in " + PORT_FROM + ".." + PORT_TO + " after 200 attempts");
    }

    @Override
    public String kind() {
        return "loopback";
    }

    /** Starts the proxies (each binds a free port now and keeps it). */
    @Override
    public synchronized void setUp() {
        Random random = new Random();
        for (int a = 0; a < members; a++) {
            for (int b = 0; b < members; b++) {
                if (a != b) {
                    proxies[a][b] = new LinkProxy(freePort(random), peerPorts[b]);
                }
            }
        }
    }

    @Override
    public String clientAddress(int m) {
        return "127.0.0.1:" + clientPorts[m];
    }

    @Override
    public String peerAddress(int m) {
        return "127.0.0.1:" + peerPorts[m];
    }

    @Override
    public String peerAddressSeenBy(int from, int to) {
        if (proxies[from][to] == null) {
            throw new IllegalStateException("setUp() first");
        }
        return "127.0.0.1:" + proxies[from][to].port();
    }

    @Override
    public List<String> memberPrefix(int m) {
        return List.of();
    }

    @Override
    public List<String> clientPrefix() {
        return List.of();
    }

    @Override
    public boolean supportsPartitions() {
        return true;
    }

    @Override
    public synchronized void cut(Set<Link> links) {
        for (int a = 0; a < members; a++) {
            for (int b = 0; b < members; b++) {
                if (a != b && proxies[a][b] != null) {
                    if (links.contains(new Link(a, b))) {
                        proxies[a][b].block();
                    } else {
                        proxies[a][b].unblock();
                    }
                }
            }
        }
    }

    /** Whether the proxy from {@code a} to {@code b} is blocked (for tests). */
    synchronized boolean blocked(int a, int b) {
        return proxies[a][b].blocked();
    }

    @Override
    public String netemUnavailableReason() {
        return "tc netem on loopback would slow the whole machine; it needs network namespaces";
    }

    @Override
    public void netem(String netemArgs) {
        throw new UnsupportedOperationException(netemUnavailableReason());
    }

    @Override
    public void clearNetem() {
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LinkProxy[] row : proxies) {
            for (LinkProxy p : row) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }
}
