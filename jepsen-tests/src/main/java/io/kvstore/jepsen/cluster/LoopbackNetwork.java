package io.kvstore.jepsen.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;

/**
 * The fallback for machines without root or iproute2: every member on 127.0.0.1 with ports the OS found free, the
 * client in the harness's own network. Kill, pause and log corruption work; partitions and netem do not (see
 * {@link #supportsPartitions()}): a TCP proxy per link is the planned way, but a member's --cluster must list the
 * same peer addresses on every member and its --peer-addr must be its own entry, so a proxy cannot tell which
 * member a connection comes from without parsing the raft Hello. Not built yet.
 */
public final class LoopbackNetwork implements Network {
    private final int[] clientPorts;
    private final int[] peerPorts;

    public LoopbackNetwork(int members) {
        clientPorts = new int[members];
        peerPorts = new int[members];
        for (int m = 0; m < members; m++) {
            clientPorts[m] = freePort();
            peerPorts[m] = freePort();
        }
    }

    /** A port free now; a race with other processes is possible and shows as a member that cannot start. */
    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String kind() {
        return "loopback";
    }

    @Override
    public void setUp() {
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
    public List<String> memberPrefix(int m) {
        return List.of();
    }

    @Override
    public List<String> clientPrefix() {
        return List.of();
    }

    @Override
    public boolean supportsPartitions() {
        return false;
    }

    @Override
    public void cut(Set<Link> links) {
        if (!links.isEmpty()) {
            throw new UnsupportedOperationException("partitions need network namespaces (the loopback fallback "
                    + "has no per-link proxy yet)");
        }
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
    public void close() {
    }
}
