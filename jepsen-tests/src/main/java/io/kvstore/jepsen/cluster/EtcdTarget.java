package io.kvstore.jepsen.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * etcd members: the etcd-server Debian package's {@code /usr/bin/etcd} (3.4.23 here), plain HTTP, one data
 * directory each, on the same addresses a kvstore member would use, so the same network and nemeses apply. The
 * workload talks to it through its JSON gateway ({@link io.kvstore.jepsen.store.EtcdClient}).
 */
public final class EtcdTarget implements Target {
    static final Path BINARY = Path.of(System.getProperty("jepsen.etcd", "/usr/bin/etcd"));

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public String unavailableReason() {
        return Files.isExecutable(BINARY) ? null : BINARY + " is missing: install it with `apt-get install -y "
                + "etcd-server` (Debian's etcd 3.4), or point -Djepsen.etcd at an etcd binary";
    }

    /**
     * etcd derives member ids from the initial cluster's peer URLs, so every member must get the same
     * --initial-cluster: the loopback fallback's per-link proxies cannot be used (its partitions are refused for
     * etcd at start).
     */
    @Override
    public List<String> command(Network network, int m, int size, Path dataDir, boolean join) {
        if (join) {
            throw new UnsupportedOperationException("membership changes are not supported for target etcd");
        }
        StringJoiner cluster = new StringJoiner(",");
        for (int j = 0; j < size; j++) {
            cluster.add("n" + (j + 1) + "=http://" + network.peerAddress(j));
        }
        String client = "http://" + network.clientAddress(m);
        String peer = "http://" + network.peerAddress(m);
        return new ArrayList<>(List.of(BINARY.toString(), "--name", "n" + (m + 1), "--data-dir", dataDir.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster.toString(),
                "--initial-cluster-state", "new", "--initial-cluster-token", "jepsen"));
    }

    /**
     * etcd prints this once it has joined its cluster (which needs a quorum): members that restart together are
     * therefore started in parallel ({@link Cluster#start(List)}).
     */
    @Override
    public String readyLine(String memberName) {
        return "ready to serve client requests";
    }

    @Override
    public String unsupportedNemesis(String kind) {
        return switch (kind) {
            case "member" -> "not supported for target etcd: the harness re-adds members through kvstore's "
                    + "ClusterAdmin (etcd would need `etcdctl member remove/add` and a fresh --initial-cluster-state "
                    + "existing member)";
            case "corrupt" -> "not supported for target etcd: the corruptor knows kvstore's WAL segment layout, not "
                    + "etcd's member/wal";
            default -> null;
        };
    }
}
