package io.kvstore.server.testing;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Configurations and channels for servers on loopback in tests: client ports picked by the OS, peer ports free. */
public final class TestServers {
    private TestServers() {
    }

    /** A free loopback port, as the OS reports it (another process may take it first: rare, and loud). */
    public static HostPort freePeerAddress() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new HostPort("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A single-member configuration in {@code dataDir}. */
    public static ServerConfig single(Path dataDir) {
        HostPort peer = freePeerAddress();
        return new ServerConfig("n1", dataDir, new HostPort("127.0.0.1", 0), peer, Map.of("n1", peer), "test");
    }

    /** Configurations of {@code count} members n1..nN under {@code root}. */
    public static ServerConfig[] cluster(Path root, int count) {
        Map<String, HostPort> peers = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            peers.put("n" + i, freePeerAddress());
        }
        ServerConfig[] configs = new ServerConfig[count];
        for (int i = 1; i <= count; i++) {
            String name = "n" + i;
            configs[i - 1] = new ServerConfig(name, root.resolve(name), new HostPort("127.0.0.1", 0), peers.get(name),
                    peers, "test");
        }
        return configs;
    }

    /** A plaintext channel to {@code address}. */
    public static ManagedChannel channel(HostPort address) {
        return ManagedChannelBuilder.forAddress(address.host(), address.port()).usePlaintext()
                .maxInboundMessageSize(4 << 20).build();
    }
}
