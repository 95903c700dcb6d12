package io.kvstore.jepsen.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** kvstore members: {@code java ... io.kvstore.server.KvServer} with the server's classpath. */
public final class KvstoreTarget implements Target {
    private final String serverClasspath;

    /** @param serverClasspath the classpath of io.kvstore.server.KvServer */
    public KvstoreTarget(String serverClasspath) {
        this.serverClasspath = serverClasspath;
    }

    @Override
    public String name() {
        return "kvstore";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    /**
     * Member m's --cluster names every member by the address m dials it at ({@link Network#peerAddressSeenBy}):
     * the member's own real address, and for the others, on the loopback fallback, the proxy of that link. The
     * server takes bootstrap members' addresses from its own flags, not from the log, so the lists may differ.
     */
    @Override
    public List<String> command(Network network, int m, int size, Path dataDir, boolean join) {
        StringJoiner cluster = new StringJoiner(",");
        for (int j = 0; j < size; j++) {
            cluster.add("n" + (j + 1) + "=" + (j == m ? network.peerAddress(j) : network.peerAddressSeenBy(m, j)));
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Small heaps and the serial collector: five members and a workload share two cores here.
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-cp", serverClasspath,
                "io.kvstore.server.KvServer", "--name", "n" + (m + 1), "--data-dir", dataDir.toString(),
                "--client-addr", network.clientAddress(m), "--peer-addr", network.peerAddress(m),
                "--cluster", cluster.toString(), "--cluster-id", "jepsen"));
        if (join) {
            cmd.add("--join");
        }
        return cmd;
    }

    @Override
    public String readyLine(String memberName) {
        return "kvserver " + memberName + " serving clients on";
    }

    @Override
    public String unsupportedNemesis(String kind) {
        return null;
    }
}
