package io.kvstore.jepsen.cluster;

import java.nio.file.Path;
import java.util.List;

/**
 * The store under test: how a member is started and how the harness knows it serves. Implementations:
 * {@link KvstoreTarget} (kvserver JVMs) and {@link EtcdTarget} (etcd-server's binary). The workload side of a
 * target is {@link io.kvstore.jepsen.store.StoreClient}.
 */
public interface Target {
    /** "kvstore" or "etcd". */
    String name();

    /** Null when this machine can run the target, else why not and what to install. */
    String unavailableReason();

    /**
     * The command that runs member {@code m} of {@code size} (without the network's prefix).
     *
     * @param join true when the member is being re-added to a running cluster with an empty data directory
     */
    List<String> command(Network network, int m, int size, Path dataDir, boolean join);

    /** A line of the member's output that says it serves clients. */
    String readyLine(String memberName);

    /** Null when the nemesis {@code kind} applies to this target, else why not (for the timeline). */
    String unsupportedNemesis(String kind);

    /** The target named on the command line; @throws IllegalArgumentException for an unknown name */
    static Target named(String name, String kvstoreClasspath) {
        return switch (name) {
            case "kvstore" -> new KvstoreTarget(kvstoreClasspath);
            case "etcd" -> new EtcdTarget();
            default -> throw new IllegalArgumentException("unknown target " + name + " (kvstore or etcd)");
        };
    }
}
