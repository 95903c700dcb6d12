package io.kvstore.server.fuzz;

import java.util.Random;

/**
 * Seeds and replay for the fuzz tests: the seed is {@code -Dfuzz.seed} when given, else random; the iteration count
 * is {@code -Dfuzz.iterations} or the test's default. A failure names the seed and the iteration, and the one-line
 * replay command, e.g. {@code mvn -pl kvstore/server -am test -Dtest=RequestFuzzTest -Dfuzz.seed=42}.
 */
final class FuzzRun {

    /** One iteration of a fuzz test; {@code random} is derived from the run's seed and the iteration. */
    interface Body {
        void run(int iteration, Random random) throws Exception;
    }

    private FuzzRun() {
    }

    static long seed() {
        Long given = Long.getLong("fuzz.seed");
        return given != null ? given : new Random().nextLong();
    }

    static int iterations(int defaultIterations) {
        return Integer.getInteger("fuzz.iterations", defaultIterations);
    }

    /** Runs {@code body} for each iteration; rethrows the first failure with the replay line. */
    static void run(String test, int defaultIterations, Body body) {
        long seed = seed();
        int iterations = iterations(defaultIterations);
        Random master = new Random(seed);
        for (int i = 0; i < iterations; i++) {
            Random random = new Random(master.nextLong());
            try {
                body.run(i, random);
            } catch (Throwable t) {
                String replay = test + " failed at iteration " + i + " of seed " + seed + "; replay with "
                        + "-Dtest=" + test + " -Dfuzz.seed=" + seed;
                System.err.println(replay);
                throw new AssertionError(replay, t);
            }
        }
    }
}
