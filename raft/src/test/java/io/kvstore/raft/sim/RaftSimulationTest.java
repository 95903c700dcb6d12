package io.kvstore.raft.sim;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Deterministic simulation of 3- and 5-member clusters: a safety phase with drops, duplicates, reordering,
 * partitions (full, one-member, partial and one-way) and crashes that lose unsynced writes, with every safety
 * property checked after every event; then a liveness phase in which faults stop and the cluster must converge.
 *
 * <p>{@code -Dsim.seeds=N} sets how many seeds run (CI runs the pom's default); {@code -Dsim.seed=S} replays one
 * seed; {@code -Dsim.trace=true} adds an event trace to a failure report.
 */
class RaftSimulationTest {
    private static final int SAFETY_TICKS = 400;
    private static final int LIVENESS_TICKS = 400;

    @TestFactory
    Stream<DynamicTest> simulate() {
        String one = System.getProperty("sim.seed");
        long count = Long.getLong("sim.seeds", 200);
        long base = Long.getLong("sim.base", 1);
        LongStream seeds = one != null ? LongStream.of(Long.parseLong(one)) : LongStream.range(base, base + count);
        boolean trace = Boolean.getBoolean("sim.trace");
        // Group seeds so a few thousand runs report as a few dozen tests.
        long[] all = seeds.toArray();
        int group = one != null ? 1 : 100;
        return LongStream.range(0, (all.length + group - 1) / group).mapToObj(g -> {
            int from = (int) (g * group);
            int to = Math.min(all.length, from + group);
            return DynamicTest.dynamicTest("seeds " + all[from] + ".." + all[to - 1], () -> {
                for (int i = from; i < to; i++) {
                    run(all[i], trace);
                }
            });
        });
    }

    static void run(long seed, boolean trace) {
        int size = seed % 2 == 0 ? 3 : 5;
        try {
            var faultsRandom = new SplittableRandom(~seed);
            SimulatedCluster cluster = new SimulatedCluster(seed, size,
                    SimulatedCluster.Faults.random(faultsRandom), trace);
            cluster.runWithFaults(SAFETY_TICKS);
            cluster.converge(LIVENESS_TICKS);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation failed for seed " + seed + " (" + size + " members); replay with:"
                    + " mvn -pl raft test -Dtest=RaftSimulationTest -Dsim.seed=" + seed + " -Dsim.trace=true\n"
                    + e.getMessage(), e);
        }
    }
}
