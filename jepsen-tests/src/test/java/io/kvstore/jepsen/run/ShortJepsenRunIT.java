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
 * loopback fallback with kills and pauses only, and says so. About 35 s per workload.
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
        nemeses = loopback ? List.of("kill", "pause") : List.of("partition", "kill");
        if (loopback) {
            System.out.println("ShortJepsenRunIT: network namespaces unavailable (" + reason + "); using the "
                    + "loopback fallback with " + nemeses + ", no partitions");
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

    private static Runner.Result run(String workload, long seed) throws Exception {
        Path out = Path.of("target", "runs-it", workload).toAbsolutePath();
        RunConfig config = new RunConfig(workload, nemeses, 5, TIME, 10, "kvstore", false, loopback, out, seed,
                System.getProperty("java.class.path"), Duration.ofSeconds(2), Duration.ofSeconds(4));
        Runner.Result r = new Runner(config).run();
        assertFalse(r.faults().isEmpty(), "the nemesis injected nothing");
        assertEquals(Validity.TRUE, r.valid(), () -> config.title() + " is " + Runner.word(r.valid()) + ": "
                + r.verdicts() + "; report " + out.resolve("index.html"));
        return r;
    }
}
