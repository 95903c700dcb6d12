package io.kvstore.jepsen.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.checker.Validity;
import io.kvstore.jepsen.cluster.NamespaceNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A short partition-and-kill run of each workload against a real five-member cluster, in {@code mvn verify}: the
 * store must come out valid. Uses network namespaces when this machine has them (root, iproute2); otherwise the
 * loopback fallback, whose partitions are per-link TCP proxies, and says so. About 35 s per workload (the watch
 * and etcd set runs are shorter: 15 s and 12 s of faults).
 *
 * <p>The members run with this JVM's classpath, which holds kvstore-server (a test dependency of this module, so
 * the reactor builds it first). Reports land in {@code target/runs-it/<workload>/}.
 */
class ShortJepsenRunIT {
    /** -Djepsen.it.seconds for a longer run. */
    private static final Duration TIME = Duration.ofSeconds(Long.getLong("jepsen.it.seconds", 20));
    private static boolean loopback;
    private static List<String> nemeses;

    @BeforeAll
    static void chooseNetwork() {
        String reason = NamespaceNetwork.unavailableReason();
        loopback = reason != null;
        nemeses = List.of("partition", "kill");
        if (loopback) {
            System.out.println("ShortJepsenRunIT: network namespaces unavailable (" + reason + "); using the "
                    + "loopback fallback (partitions by per-link TCP proxies)");
        }
    }

    @Test
    void registerUnderPartitionsAndKillsIsLinearizable() throws Exception {
        Runner.Result r = run("register", 11);
        assertTrue(r.operations() > 200, "too few operations to mean anything: " + r.operations());
    }

    @Test
    void setUnderPartitionsAndKillsLosesNoAcknowledgedAdd() throws Exception {
        Runner.Result r = run("set", 12);
        assertTrue(r.operations() > 100, "too few operations to mean anything: " + r.operations());
    }

    /** Watchers see every committed change once, in order, through partitions, kills and reconnects. */
    @Test
    void watchUnderPartitionsAndKillsDeliversEveryChangeInOrder() throws Exception {
        Runner.Result r = run("watch", "kvstore", Duration.ofSeconds(Long.getLong("jepsen.it.seconds", 15)), 13);
        assertTrue(r.operations() > 100, "too few operations to mean anything: " + r.operations());
    }

    /** The same set workload and checker against etcd (etcd-server's /usr/bin/etcd; .ci/run installs it). */
    @Test
    void etcdSetUnderPartitionsAndKillsLosesNoAcknowledgedAdd() throws Exception {
        String missing = new io.kvstore.jepsen.cluster.EtcdTarget().unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null, () -> "etcd run skipped: " + missing);
        org.junit.jupiter.api.Assumptions.assumeFalse(loopback, "etcd cannot be partitioned on the loopback fallback");
        Runner.Result r = run("set", "etcd", Duration.ofSeconds(Long.getLong("jepsen.it.seconds", 12)), 14);
        assertTrue(r.operations() > 100, "too few operations to mean anything: " + r.operations());
    }

    private static Runner.Result run(String workload, long seed) throws Exception {
        return run(workload, "kvstore", TIME, seed);
    }

    private static Runner.Result run(String workload, String target, Duration time, long seed) throws Exception {
        Path out = Path.of("target", "runs-it", target.equals("kvstore") ? workload : target + "-" + workload)
                .toAbsolutePath();
        RunConfig config = new RunConfig(workload, nemeses, 5, time, 10, target, false, loopback, out, seed,
                System.getProperty("java.class.path"), Duration.ofSeconds(2), Duration.ofSeconds(4));
        Runner.Result r = new Runner(config).run();
        assertFalse(r.faults().isEmpty(), "the nemesis injected nothing");
        assertEquals(Validity.TRUE, r.valid(), () -> config.title() + " is " + Runner.word(r.valid()) + ": "
                + r.verdicts() + "; report " + out.resolve("index.html"));
        return r;
    }
}
