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

    /**
     * A free loopback port from 20000–32767, below Linux's ephemeral range, each at most once per JVM. A port the OS
     * picks for port 0 comes from the ephemeral range, where the local end of any outgoing connection can take it
     * before the server binds (MembershipChangesIT once failed with "Address already in use" that way).
     */
    public static HostPort freePeerAddress() {
        for (int attempt = 0; attempt <= LAST_PORT - FIRST_PORT; attempt++) {
            int candidate = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement() - FIRST_PORT,
                    LAST_PORT - FIRST_PORT + 1);
            try (ServerSocket socket = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return new HostPort("127.0.0.1", candidate);
            } catch (IOException inUse) {
                // taken by another listener: try the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free loopback port in " + FIRST_PORT + "-" + LAST_PORT));
    }

    private static final int FIRST_PORT = 20_000;
    private static final int LAST_PORT = 32_767;
    /** A random start per JVM, so JVMs running side by side rarely probe the same ports. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT = new java.util.concurrent.atomic
            .AtomicInteger(FIRST_PORT + java.util.concurrent.ThreadLocalRandom.current().nextInt(LAST_PORT - FIRST_PORT));

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

    /**
     * Starts a member per configuration, adding each to {@code started} as it starts (the caller closes them, also
     * when this fails), and waits until one leads and every member knows every client address.
     *
     * @return the index in {@code started} of the leader
     */
    public static int startSettled(ServerConfig[] configs, java.util.List<io.kvstore.server.KvServer> started,
                                   java.time.Duration timeout) throws IOException {
        for (ServerConfig config : configs) {
            started.add(io.kvstore.server.KvServer.start(config));
        }
        Awaiting.until(() -> started.stream().anyMatch(s -> s.raftStatus().role() == io.kvstore.raft.core.Role.LEADER)
                && started.stream().allMatch(s -> started.stream().allMatch(m ->
                        s.clientAddressOf(m.config().name()).isPresent())), timeout,
                () -> "a leader and every client address published");
        for (int i = 0; i < started.size(); i++) {
            if (started.get(i).raftStatus().role() == io.kvstore.raft.core.Role.LEADER) {
                return i;
            }
        }
        throw new AssertionError("the leader stepped down at once");
    }

    /** A plaintext channel to {@code address}. */
    public static ManagedChannel channel(HostPort address) {
        return ManagedChannelBuilder.forAddress(address.host(), address.port()).usePlaintext()
                .maxInboundMessageSize(4 << 20).build();
    }
}
