package io.kvstore.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual exclusion end to end: {@value #CONTENDERS} client JVMs ({@link LockContenderMain}) contend for one lock on
 * three kvserver processes while members are killed with {@code kill -9} and restarted. Each holder makes fenced
 * compare-and-set increments of a counter, and after releasing tries a write with its stale token. Checked from
 * the recorded outcomes:
 * <ul>
 *   <li>holders never overlap in fencing order: sorted by token, the store revisions of each holder's accepted
 *       fenced writes all come before the next holder's (a superseded holder's write never lands after a newer
 *       holder's);</li>
 *   <li>every write with a released token is rejected FENCED;</li>
 *   <li>tokens are unique per grant, and the counter equals the number of accepted increments at least (none lost).</li>
 * </ul>
 */
class LockMutualExclusionIT {
    private static final int CONTENDERS = 3;
    private static final long RUN_MILLIS = 30_000;
    /** Pause between faults: long enough for an election and some grants, short enough for several faults. */
    private static final long FAULT_EVERY_MILLIS = 6_000;
    private static final String COUNTER = "/mx/counter";

    @TempDir
    Path root;
    private ProcessCluster cluster;
    private final List<Process> contenders = new ArrayList<>();

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @AfterEach
    void stop() {
        contenders.forEach(Process::destroyForcibly); // only the processes this test started
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void holdersNeverOverlapAndStaleTokensAreFenced() throws Exception {
        cluster = ProcessCluster.start(root, 3);
        KvClient kv = cluster.client(cluster.endpoints());
        kv.put(COUNTER, "0".getBytes(StandardCharsets.UTF_8), PutOptions.DEFAULT.withMakeParents());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Path> outputs = new ArrayList<>();
        for (int i = 0; i < CONTENDERS; i++) {
            Path out = root.resolve("contender-" + i + ".txt");
            outputs.add(out);
            contenders.add(new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                    LockContenderMain.class.getName(), String.join(",", cluster.endpoints()), "mx", COUNTER,
                    Long.toString(RUN_MILLIS), out.toString())
                    .redirectErrorStream(true).redirectOutput(root.resolve("contender-" + i + ".log").toFile())
                    .start());
        }
        Random random = new Random(42);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS - FAULT_EVERY_MILLIS);
        int faults = 0;
        while (System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FAULT_EVERY_MILLIS)); // fault pacing
            ServerProcess victim = faults % 2 == 0 ? cluster.awaitLeader()
                    : cluster.members().get(random.nextInt(cluster.members().size()));
            victim.kill();
            faults++;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_000)); // down for a second
            victim.start();
        }
        for (Process p : contenders) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "a contender did not finish");
        }
        History h = History.read(outputs);
        assertTrue(faults >= 3, "faults injected: " + faults);
        assertTrue(h.grants >= 5, "too little progress to check anything: " + h.grants + " grants\n" + h.errors);
        assertEquals(h.grants, h.grantTokens.size(), "a token was granted twice");
        assertTrue(h.staleAccepted.isEmpty(), "writes with released tokens were accepted: " + h.staleAccepted);
        assertTrue(h.staleChecked > 0, "no stale write was attempted");
        long previousLast = 0;
        long previousToken = 0;
        for (var e : h.writeRevisions.entrySet()) {
            long first = e.getValue().get(0);
            assertTrue(first > previousLast, "holder " + e.getKey() + " wrote at revision " + first
                    + ", before holder " + previousToken + "'s last write at " + previousLast);
            previousLast = e.getValue().get(e.getValue().size() - 1);
            previousToken = e.getKey();
        }
        long counter = Long.parseLong(kv.get(COUNTER).valueUtf8());
        assertTrue(counter >= h.writes, "counter " + counter + " < accepted increments " + h.writes);
        System.out.printf("lock mutual exclusion: %d grants, %d fenced writes, %d stale writes fenced, %d faults,"
                + " %d client errors%n", h.grants, h.writes, h.staleChecked, faults, h.errorCount);
    }

    /** The contenders' records, merged. */
    private static final class History {
        long grants;
        long writes;
        long staleChecked;
        long errorCount;
        final java.util.Set<Long> grantTokens = new java.util.HashSet<>();
        final List<String> staleAccepted = new ArrayList<>();
        final StringBuilder errors = new StringBuilder();
        /** Token → revisions of its accepted fenced writes, in order. */
        final TreeMap<Long, List<Long>> writeRevisions = new TreeMap<>();

        static History read(List<Path> files) throws IOException {
            History h = new History();
            for (Path f : files) {
                for (String line : Files.readAllLines(f)) {
                    String[] w = line.split(" ");
                    switch (w[0]) {
                        case "GRANT" -> {
                            h.grants++;
                            h.grantTokens.add(Long.parseLong(w[1]));
                        }
                        case "WRITE" -> {
                            h.writes++;
                            h.writeRevisions.computeIfAbsent(Long.parseLong(w[1]), t -> new ArrayList<>())
                                    .add(Long.parseLong(w[2]));
                        }
                        case "STALE" -> {
                            if (w[2].equals("FENCED")) {
                                h.staleChecked++;
                            } else if (w[2].equals("ACCEPTED")) {
                                h.staleAccepted.add(f.getFileName() + ": " + line);
                            } // else: the write failed otherwise (a member down): nothing to check
                        }
                        case "ERROR" -> {
                            h.errorCount++;
                            if (h.errors.length() < 4_000) {
                                h.errors.append(line).append('\n');
                            }
                        }
                        default -> { }
                    }
                }
            }
            h.writeRevisions.values().forEach(revisions -> revisions.sort(Long::compare));
            return h;
        }
    }
}
