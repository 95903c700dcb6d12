package io.kvstore.raft.bench;

import com.google.protobuf.ByteString;
import io.kvstore.raft.RaftNode;
import io.kvstore.raft.core.Role;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Measures a three-member cluster in one JVM (loopback TCP, fsync on, 256-byte entries):
 * <ol>
 *   <li>the disk's raw fdatasync rate (write 256 B, {@code force(false)}, repeated);</li>
 *   <li>committed entries/s with {@value #PROPOSERS} closed-loop proposers, each with one proposal in flight;</li>
 *   <li>commit latency (propose until the leader's future completes) of one proposer thread;</li>
 *   <li>the throughput of 2. with group commit off (one fsync per entry);</li>
 *   <li>failover: closing the leader's {@link RaftNode} until a proposal commits on a new leader.</li>
 * </ol>
 * Each figure is the median over {@code bench.iterations} measured iterations after a warmup; latency percentiles
 * are per iteration, then the median of those. Settings are system properties (defaults in brackets):
 * {@code bench.dir} [target/bench], {@code bench.iterations} [5], {@code bench.iterationMillis} [2000],
 * {@code bench.warmupMillis} [3000], {@code bench.failovers} [5], {@code bench.fsyncs} [2000].
 *
 * <p>The proposers of 2. and 4. are asynchronous: each issues its next proposal from the completion of the
 * previous one (on the leader's apply thread), so 64 clients do not need 64 threads on a small machine. The single
 * proposer of 3. is a thread blocking on each future, as a synchronous client would.
 */
public final class RaftBenchmark {
    static final int PROPOSERS = 64;
    static final int ENTRY_BYTES = 256;
    private static final long PROPOSAL_TIMEOUT_MILLIS = 5_000;

    private final Path dir;
    private final int iterations = Integer.getInteger("bench.iterations", 5);
    private final long iterationMillis = Long.getLong("bench.iterationMillis", 2000);
    private final long warmupMillis = Long.getLong("bench.warmupMillis", 3000);
    private final int failovers = Integer.getInteger("bench.failovers", 5);
    private final int fsyncs = Integer.getInteger("bench.fsyncs", 2000);
    private final ByteString payload;
    private int clusters;

    private RaftBenchmark(Path dir) {
        this.dir = dir;
        byte[] bytes = new byte[ENTRY_BYTES];
        new SplittableRandom(42).nextBytes(bytes);
        this.payload = ByteString.copyFrom(bytes);
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        Path dir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir);
        try {
            new RaftBenchmark(dir).run();
        } finally {
            deleteRecursively(dir);
        }
    }

    private void run() throws Exception {
        long started = System.nanoTime();
        System.out.printf(Locale.ROOT, "raft benchmark: %d cpus, %d MiB max heap, java %s, dir %s%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.version(), dir);
        System.out.printf(Locale.ROOT, "3 members, loopback, fsync on, %d B entries; %d iterations of %d ms after "
                + "%d ms warmup%n%n", ENTRY_BYTES, iterations, iterationMillis, warmupMillis);

        double[] fsync = fsyncProbe();
        System.out.printf(Locale.ROOT, "%-44s %10.0f /s  (mean %.0f us)%n", "disk fdatasync (write 256 B + force)",
                fsync[0], fsync[1]);

        double[] groupOn;
        double[][] latency;
        try (BenchCluster cluster = new BenchCluster(nextClusterDir(), false)) {
            RaftNode leader = cluster.awaitLeader(null);
            groupOn = throughput(leader);
            printRate("throughput, group commit on, 64 proposers", groupOn);
            latency = latency(leader);
        }
        System.out.printf(Locale.ROOT, "%-44s p50 %.0f us, p90 %.0f us, p99 %.0f us%n",
                "commit latency, 1 proposer", median(latency[0]), median(latency[1]), median(latency[2]));
        System.out.printf(Locale.ROOT, "%-44s p50 %s%n", "", Arrays.toString(round(latency[0])));

        double[] groupOff;
        try (BenchCluster cluster = new BenchCluster(nextClusterDir(), true)) {
            groupOff = throughput(cluster.awaitLeader(null));
        }
        printRate("throughput, group commit off, 64 proposers", groupOff);
        System.out.printf(Locale.ROOT, "%-44s %10.1f x%n", "group commit gain (median on / median off)",
                median(groupOn) / median(groupOff));

        double[] failover = failover();
        System.out.printf(Locale.ROOT, "%-44s %10.0f ms  %s%n", "failover (close leader -> next commit)",
                median(failover), Arrays.toString(round(failover)));
        System.out.printf(Locale.ROOT, "%ntotal %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** [fsyncs per second, mean microseconds per fsync] over {@code bench.fsyncs} appends of 256 B. */
    private double[] fsyncProbe() throws IOException {
        Path file = dir.resolve("fsync.probe");
        ByteBuffer block = ByteBuffer.allocateDirect(ENTRY_BYTES);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long start = System.nanoTime();
            for (int i = 0; i < fsyncs; i++) {
                block.clear();
                while (block.hasRemaining()) {
                    channel.write(block);
                }
                channel.force(false);
            }
            long nanos = System.nanoTime() - start;
            return new double[] {fsyncs * 1e9 / nanos, nanos / 1e3 / fsyncs};
        }
    }

    /** Committed entries/s of {@value #PROPOSERS} closed-loop proposers, one value per measured iteration. */
    private double[] throughput(RaftNode leader) throws InterruptedException {
        AtomicLong committed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger inFlight = new AtomicInteger();
        for (int i = 0; i < PROPOSERS; i++) {
            inFlight.incrementAndGet();
            proposeLoop(leader, committed, failed, running, inFlight);
        }
        Thread.sleep(warmupMillis);
        double[] rates = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long count = committed.get();
            long start = System.nanoTime();
            Thread.sleep(iterationMillis);
            rates[i] = (committed.get() - count) * 1e9 / (System.nanoTime() - start);
        }
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROPOSAL_TIMEOUT_MILLIS);
        while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        if (failed.get() > 0 || inFlight.get() > 0) {
            System.out.printf(Locale.ROOT, "  warning: %d proposals failed, %d still in flight%n", failed.get(),
                    inFlight.get());
        }
        return rates;
    }

    /** One proposer: proposes again when its previous proposal completes, until {@code running} is cleared. */
    private void proposeLoop(RaftNode leader, AtomicLong committed, AtomicLong failed, AtomicBoolean running,
                             AtomicInteger inFlight) {
        leader.propose(payload).whenComplete((result, error) -> {
            if (error != null) {
                failed.incrementAndGet(); // stop this proposer: retrying inline could recurse without bound
                inFlight.decrementAndGet();
            } else {
                committed.incrementAndGet();
                if (running.get()) {
                    proposeLoop(leader, committed, failed, running, inFlight);
                } else {
                    inFlight.decrementAndGet();
                }
            }
        });
    }

    /** [p50[], p90[], p99[]] in microseconds, one value per measured iteration, of one blocking proposer. */
    private double[][] latency(RaftNode leader) throws Exception {
        long warmupEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMillis / 2);
        while (System.nanoTime() - warmupEnd < 0) {
            leader.propose(payload).get(PROPOSAL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        double[][] result = new double[3][iterations];
        long[] samples = new long[1 << 16];
        for (int i = 0; i < iterations; i++) {
            int n = 0;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(iterationMillis);
            while (System.nanoTime() - end < 0) {
                long start = System.nanoTime();
                leader.propose(payload).get(PROPOSAL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                if (n == samples.length) {
                    samples = Arrays.copyOf(samples, n * 2);
                }
                samples[n++] = System.nanoTime() - start;
            }
            Arrays.sort(samples, 0, n);
            result[0][i] = percentile(samples, n, 0.50) / 1e3;
            result[1][i] = percentile(samples, n, 0.90) / 1e3;
            result[2][i] = percentile(samples, n, 0.99) / 1e3;
        }
        return result;
    }

    /**
     * Milliseconds from calling {@link RaftNode#close()} on the leader until a proposal commits on a new leader, one
     * value per run, each on a fresh cluster. The proposer polls the survivors every millisecond for a leader.
     */
    private double[] failover() throws Exception {
        double[] millis = new double[failovers];
        for (int i = 0; i < failovers; i++) {
            try (BenchCluster cluster = new BenchCluster(nextClusterDir(), false)) {
                RaftNode old = cluster.awaitLeader(null);
                for (int j = 0; j < 100; j++) {
                    old.propose(payload).get(PROPOSAL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS); // warm connections
                }
                long start = System.nanoTime();
                old.close();
                millis[i] = (commitOnNewLeader(cluster.others(old)) - start) / 1e6;
            }
        }
        return millis;
    }

    /** Proposes to whichever survivor claims leadership until one proposal commits; returns System.nanoTime(). */
    private long commitOnNewLeader(List<RaftNode> survivors) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            for (RaftNode node : survivors) {
                if (node.status().role() != Role.LEADER) {
                    continue;
                }
                CompletableFuture<Object> f = node.propose(payload);
                try {
                    f.get(PROPOSAL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    return System.nanoTime();
                } catch (Exception e) {
                    // deposed or not yet able to commit: look again
                }
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no commit on a new leader within 10 s");
    }

    private Path nextClusterDir() {
        return dir.resolve("cluster-" + (++clusters));
    }

    private static void printRate(String label, double[] rates) {
        System.out.printf(Locale.ROOT, "%-44s %10.0f /s  %s%n", label, median(rates), Arrays.toString(round(rates)));
    }

    private static long percentile(long[] sorted, int n, double q) {
        return sorted[Math.min(n - 1, (int) Math.ceil(q * n) - 1)];
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static long[] round(double[] values) {
        return Arrays.stream(values).mapToLong(Math::round).toArray();
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
