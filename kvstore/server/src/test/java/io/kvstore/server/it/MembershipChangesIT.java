package io.kvstore.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.client.ClusterMember;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.PutOptions;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kvserver processes: grow a cluster 1 → 3 → 5 (each new member started with --join, added as a learner,
 * promoted once caught up) and shrink it 5 → 3 (removing the leader itself and a follower) while a client writes
 * unique values continuously. Afterwards every acknowledged write is read back linearizably from every remaining
 * member, each asked alone. Bounded: at most {@value #WRITES_MAX} writes and {@link #WRITER_TIME_MAX} of writing.
 */
class MembershipChangesIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration CHANGE = Duration.ofSeconds(30);
    private static final int WRITES_MAX = 5_000;
    private static final Duration WRITER_TIME_MAX = Duration.ofSeconds(60);

    @TempDir
    Path root;
    private final Map<String, ServerProcess> running = new LinkedHashMap<>();
    private final Map<String, String> peers = new LinkedHashMap<>();
    private volatile List<String> liveEndpoints = List.of();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServerProcess p : running.values()) {
            p.stop();
        }
    }

    @Test
    void growOneToThreeToFiveAndShrinkToThreeWhileWriting() throws Exception {
        peers.put("n1", TestServers.freePeerAddress().toString());
        start("n1", false);

        Writer writer = new Writer();
        Thread writerThread = new Thread(writer, "it-writer");
        writerThread.start();
        try {
            for (String name : List.of("n2", "n3", "n4", "n5")) {
                grow(name);
                writer.awaitMoreWrites(20);
            }
            assertEquals(List.of("n1", "n2", "n3", "n4", "n5"), voters());

            String leader = leader();
            String follower = running.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
            shrink(leader);   // the leader hands leadership over, then is removed
            writer.awaitMoreWrites(20);
            shrink(follower);
            writer.awaitMoreWrites(20);
            assertEquals(3, voters().size());
        } finally {
            writer.stop.set(true);
            writerThread.join(WRITER_TIME_MAX.toMillis() + 30_000);
        }
        assertTrue(writer.failure.isEmpty(), "writer failed: " + writer.failure);
        List<String[]> acknowledged = new ArrayList<>(writer.acknowledged);
        assertTrue(acknowledged.size() >= 100, "too few writes acknowledged: " + acknowledged.size());

        for (ServerProcess member : running.values()) {
            try (KvClient alone = KvClient.builder().endpoints(member.clientAddress())
                    .retryDeadline(Duration.ofSeconds(20)).build()) {
                for (String[] write : acknowledged) {
                    assertEquals(write[1], alone.get(write[0]).valueUtf8(), member.name + " lost " + write[0]);
                }
            }
        }
        System.out.printf("MembershipChangesIT: %d writes acknowledged, %d indeterminate; all read back on %s%n",
                acknowledged.size(), writer.indeterminate.get(), running.keySet());
    }

    /** Starts {@code name} with --join, adds it as a learner, promotes it once it caught up. */
    private void grow(String name) throws Exception {
        peers.put(name, TestServers.freePeerAddress().toString());
        start(name, true);
        try (KvClient admin = admin()) {
            admin.cluster().addLearner(name, peers.get(name));
            Awaiting.succeeds(() -> admin.cluster().promote(name), CHANGE);
        }
    }

    /** Removes {@code name} (through any other member) and stops its process. */
    private void shrink(String name) throws InterruptedException {
        List<String> others = running.values().stream().filter(p -> !p.name.equals(name))
                .map(ServerProcess::clientAddress).toList();
        try (KvClient admin = KvClient.builder().endpoints(others).retryDeadline(CHANGE).build()) {
            List<ClusterMember> after = admin.cluster().remove(name);
            assertTrue(after.stream().noneMatch(m -> m.name().equals(name)), after.toString());
        }
        running.remove(name).stop();
        liveEndpoints = running.values().stream().map(ServerProcess::clientAddress).toList();
    }

    private void start(String name, boolean join) throws Exception {
        String cluster = peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        running.put(name, ServerProcess.start(name, root.resolve(name), peers.get(name), cluster, join, START));
        liveEndpoints = running.values().stream().map(ServerProcess::clientAddress).toList();
    }

    private KvClient admin() {
        return KvClient.builder().endpoints(liveEndpoints).retryDeadline(CHANGE).build();
    }

    private List<String> voters() {
        try (KvClient admin = admin()) {
            return admin.cluster().members().stream().filter(ClusterMember::voter).map(ClusterMember::name).toList();
        }
    }

    private String leader() {
        try (KvClient admin = admin()) {
            return admin.cluster().members().stream().filter(ClusterMember::leader).map(ClusterMember::name)
                    .findFirst().orElseThrow();
        }
    }

    /**
     * Writes /w/&lt;i&gt; = "v-&lt;i&gt;" one at a time through a client over the live members (rebuilt when the
     * member list changes), recording each acknowledged write. A write that ends in KvUnavailableException has an
     * unknown outcome: counted, not recorded, never re-sent.
     */
    private final class Writer implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final ConcurrentLinkedQueue<String[]> acknowledged = new ConcurrentLinkedQueue<>();
        final AtomicInteger indeterminate = new AtomicInteger();
        final ConcurrentLinkedQueue<Throwable> failure = new ConcurrentLinkedQueue<>();
        private final AtomicInteger done = new AtomicInteger();
        private volatile boolean finished;

        @Override
        public void run() {
            long deadline = System.nanoTime() + WRITER_TIME_MAX.toNanos();
            List<String> endpoints = null;
            KvClient kv = null;
            try {
                for (int i = 0; i < WRITES_MAX && !stop.get() && System.nanoTime() - deadline < 0; i++) {
                    if (!liveEndpoints.equals(endpoints)) {
                        if (kv != null) {
                            kv.close();
                        }
                        endpoints = liveEndpoints;
                        kv = KvClient.builder().endpoints(endpoints).retryDeadline(Duration.ofSeconds(10))
                                .requestTimeout(Duration.ofSeconds(2)).build();
                    }
                    String path = "/w/" + i;
                    String value = "v-" + i;
                    try {
                        kv.put(path, value.getBytes(UTF_8), PutOptions.DEFAULT.withMakeParents());
                        acknowledged.add(new String[] {path, value});
                    } catch (io.kvstore.client.KvUnavailableException e) {
                        indeterminate.incrementAndGet();
                    }
                    done.incrementAndGet();
                }
            } catch (KvException | IllegalStateException e) {
                failure.add(e);
            } finally {
                finished = true;
                if (kv != null) {
                    kv.close();
                }
            }
        }

        /** Waits until {@code count} more writes finished (or the writer stopped). */
        void awaitMoreWrites(int count) {
            int target = done.get() + count;
            Awaiting.until(() -> done.get() >= target || finished, CHANGE,
                    () -> "writer progress: " + done.get() + " of " + target);
        }
    }
}
