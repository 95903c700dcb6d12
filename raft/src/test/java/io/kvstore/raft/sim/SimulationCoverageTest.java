package io.kvstore.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Guards the simulation against silently testing nothing: over a fixed range of seeds, the faults it claims to
 * inject must really happen, and the cluster must still do real work (elections, acknowledged writes, reads).
 */
class SimulationCoverageTest {
    @Test
    void faultsAndWorkReallyHappen() {
        Map<String, Long> total = new TreeMap<>();
        for (long seed = 1; seed <= 50; seed++) {
            SimulatedCluster c = new SimulatedCluster(seed, seed % 2 == 0 ? 3 : 5,
                    SimulatedCluster.Faults.random(new SplittableRandom(~seed)), false);
            c.runWithFaults(400);
            c.converge(400);
            c.stats.forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        System.out.println("simulation coverage over 50 seeds: " + total);
        for (String what : new String[] {"crashes", "crashesBeforeFsync", "partitions", "messagesDropped",
                "leadersElected", "writesAcknowledged", "readsConfirmed", "corruptionDetected", "membershipChanges",
                "transfers", "followerReadsConfirmed", "compactions", "snapshotsInstalled"}) {
            assertTrue(total.getOrDefault(what, 0L) >= 20, what + " happened too rarely: " + total);
        }
        assertTrue(total.get("leadersElected") > 100, "too few elections: " + total);
    }
}
