package io.kvstore.jepsen.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one run does. Immutable; validated at construction.
 *
 * @param workload "register", "set", "watch", "ephemeral" or "lock" (kvstore only)
 * @param nemeses fault kinds from {@link io.kvstore.jepsen.nemesis.Nemesis#KINDS}; empty for none
 * @param members cluster size (default 5)
 * @param time how long the workload runs under faults (default 60 s); the final read and the check come after
 * @param concurrency client processes (default 10)
 * @param target the store under test: "kvstore" or "etcd" (etcd-server's /usr/bin/etcd, see docs/jepsen.md)
 * @param staleReads register reads with ReadConsistency.SERIALIZABLE, which a partition must expose
 * @param loopback run on 127.0.0.1 instead of network namespaces (partitions by TCP proxies, no netem)
 * @param out the run directory
 * @param seed for the nemesis's and the workload's choices
 * @param serverClasspath the classpath of io.kvstore.server.KvServer
 * @param quiet time between faults (default 3 s)
 * @param hold time a fault lasts (default 5 s)
 */
public record RunConfig(String workload, List<String> nemeses, int members, Duration time, int concurrency,
                        String target, boolean staleReads, boolean loopback, Path out, long seed,
                        String serverClasspath, Duration quiet, Duration hold) {
    public RunConfig {
        if (!List.of("register", "set", "watch", "ephemeral", "lock").contains(workload)) {
            throw new IllegalArgumentException("--workload must be register, set, watch, ephemeral or lock: "
                    + workload);
        }
        nemeses = List.copyOf(nemeses);
        if (members < 1 || members > 9) {
            throw new IllegalArgumentException("--nodes must be in 1..9: " + members);
        }
        if (time.isNegative() || time.isZero()) {
            throw new IllegalArgumentException("--time must be positive: " + time);
        }
        if (concurrency < 1 || concurrency > 200) {
            throw new IllegalArgumentException("--concurrency must be in 1..200: " + concurrency);
        }
        if (!List.of("kvstore", "etcd").contains(target)) {
            throw new IllegalArgumentException("--target must be kvstore or etcd: " + target);
        }
        if (workload.equals("lock") && !target.equals("kvstore")) {
            throw new IllegalArgumentException("--workload lock runs against --target kvstore only (it uses kvstore's "
                    + "Lock service and fenced writes)");
        }
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(serverClasspath, "serverClasspath");
        if (staleReads && !workload.equals("register")) {
            throw new IllegalArgumentException("--stale-reads applies to the register workload only");
        }
    }

    /** A one-line summary for titles. */
    public String title() {
        return (target.equals("kvstore") ? "" : target + " ") + workload + (staleReads ? " (stale reads)" : "")
                + ", nemesis "
                + (nemeses.isEmpty() ? "none" : String.join("+", nemeses)) + ", " + members + " members, "
                + time.toSeconds() + " s, " + concurrency + " clients";
    }
}
