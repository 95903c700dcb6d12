package io.kvstore.jepsen.cluster;

import java.util.List;
import java.util.Set;

/**
 * Where the members and the workload client run, and how links between members are cut. Two implementations:
 * {@link NamespaceNetwork} (one Linux network namespace per member on a private bridge, the default) and
 * {@link LoopbackNetwork} (everything on 127.0.0.1, for machines without root or iproute2).
 *
 * <p>Used from the harness thread only; {@link #close()} may also run from a shutdown hook, so implementations
 * make it idempotent and safe against a concurrent call.
 */
public interface Network extends AutoCloseable {
    /** For reports: "namespaces" or "loopback". */
    String kind();

    /** Creates namespaces, links and addresses; must be called once before anything else. */
    void setUp();

    /** host:port where clients reach member {@code m} (from 0). */
    String clientAddress(int m);

    /** host:port where member {@code m} listens for raft traffic; the same in every member's --cluster. */
    String peerAddress(int m);

    /**
     * The address member {@code from} dials to reach member {@code to}'s raft port: {@link #peerAddress} unless the
     * network puts something on the link (the loopback fallback's per-link proxy).
     */
    default String peerAddressSeenBy(int from, int to) {
        return peerAddress(to);
    }

    /** The command prefix that runs a process as member {@code m} (for example {@code ip netns exec ns}). */
    List<String> memberPrefix(int m);

    /** The command prefix that runs the workload client. */
    List<String> clientPrefix();

    /** True when {@link #cut} works here. */
    boolean supportsPartitions();

    /**
     * Replaces the current partition: after it, exactly {@code links} are cut (traffic in both directions is dropped
     * silently); members stay reachable from the client. An empty set heals.
     */
    void cut(Set<Link> links);

    /** Null when {@code tc netem} works here, else why not (for example "sch_netem is not in this kernel"). */
    String netemUnavailableReason();

    /** Applies {@code tc netem} arguments (for example "delay 50ms 20ms loss 5%") to every member's interface. */
    void netem(String netemArgs);

    /** Removes what {@link #netem} added. */
    void clearNetem();

    /** Removes everything {@link #setUp()} created; idempotent; never throws. */
    @Override
    void close();
}
