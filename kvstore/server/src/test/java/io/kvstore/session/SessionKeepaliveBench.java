package io.kvstore.session;

import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Sessions sustained with keepalives (issue 5): one in-process single-member {@link KvServer} on 127.0.0.1, N
 * sessions with a short TTL opened through a few {@link KvClient}s, kept alive by the clients' own background
 * keepalives (every TTL/3) for a while. Reports opens per second, acknowledged keepalives per second, the smallest
 * margin any session had before its {@link Session#validUntilNanos()}, how many sessions were DISCONNECTED or
 * EXPIRED (expired must be 0; a sample also creates an ephemeral at the end, which the server refuses for an
 * expired session), and the JVM's CPU (server and clients share it: an upper bound for the server).
 *
 * <p>Acknowledged keepalives are counted on the client: each acknowledgement moves the session's
 * {@code validUntilNanos} forward, and it is sampled every 100 ms, more often than the 1 s keepalive interval.
 *
 * <pre>java -cp ... io.kvstore.session.SessionKeepaliveBench [ttlSeconds=3] [keepSeconds=15] [clients=4] N...</pre>
 * A run is not a test: it is only compiled with the tests.
 */
public final class SessionKeepaliveBench {
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int OPENS_IN_FLIGHT = 128;
    private static final int EPHEMERAL_SAMPLE = 50;

    private SessionKeepaliveBench() {
    }

    public static void main(String[] args) throws Exception {
        Duration ttl = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 3);
        Duration keep = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 15);
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        List<Integer> sizes = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            sizes.add(Integer.parseInt(args[i]));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(100, 1_000, 5_000);
        }
        System.out.printf("ttl %d s, keep %d s, %d clients, load average %.2f%n", ttl.toSeconds(), keep.toSeconds(),
                clients, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println("| sessions | opens/s | keepalives acked/s (expected) | min margin ms | disconnected | "
                + "expired | JVM CPU % of one core | load avg |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int n : sizes) {
            run(n, ttl, keep, clients);
        }
    }

    private static void run(int n, Duration ttl, Duration keep, int clientCount) throws Exception {
        Path dir = Files.createTempDirectory("session-bench");
        List<KvClient> clients = new ArrayList<>();
        List<Session> sessions = new ArrayList<>();
        try (KvServer server = KvServer.start(TestServers.single(dir))) {
            String endpoint = server.clientAddress().toString();
            for (int i = 0; i < clientCount; i++) {
                clients.add(KvClient.builder().endpoints(endpoint).retryDeadline(Duration.ofSeconds(30)).build());
            }
            // The single member elects itself: the first open succeeds once it leads.
            sessions.add(Awaiting.succeeds(() -> clients.get(0).openSession(ttl), Duration.ofSeconds(30)));

            long openStart = System.nanoTime();
            Semaphore inFlight = new Semaphore(OPENS_IN_FLIGHT);
            List<CompletableFuture<Session>> opening = new ArrayList<>();
            for (int i = 1; i < n; i++) {
                inFlight.acquire();
                opening.add(clients.get(i % clientCount).openSessionAsync(ttl)
                        .whenComplete((s, e) -> inFlight.release()));
            }
            for (CompletableFuture<Session> f : opening) {
                sessions.add(f.get(60, TimeUnit.SECONDS));
            }
            double opensPerSecond = (n - 1) / ((System.nanoTime() - openStart) / 1e9);

            long[] lastValid = new long[n];
            for (int i = 0; i < n; i++) {
                lastValid[i] = sessions.get(i).validUntilNanos();
            }
            long acks = 0;
            long minMargin = Long.MAX_VALUE;
            boolean[] disconnected = new boolean[n];
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuStart = os.getProcessCpuTime();
            long start = System.nanoTime();
            long end = start + keep.toNanos();
            while (System.nanoTime() - end < 0) {
                long now = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Session s = sessions.get(i);
                    long valid = s.validUntilNanos();
                    if (valid != lastValid[i]) {
                        acks++;
                        lastValid[i] = valid;
                    }
                    minMargin = Math.min(minMargin, valid - now);
                    if (s.state() != Session.State.CONNECTED) {
                        disconnected[i] = true;
                    }
                }
                LockSupport.parkNanos(SAMPLE_NANOS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuPercent = 100.0 * (os.getProcessCpuTime() - cpuStart) / 1e9 / seconds;
            long expired = sessions.stream().filter(s -> s.state() == Session.State.EXPIRED).count();
            long everDisconnected = 0;
            for (boolean d : disconnected) {
                everDisconnected += d ? 1 : 0;
            }
            int refused = 0;
            clients.get(0).create("/bench", new byte[0]);
            for (int k = 0; k < Math.min(EPHEMERAL_SAMPLE, n); k++) {
                Session s = sessions.get(k * n / Math.min(EPHEMERAL_SAMPLE, n));
                try {
                    s.createEphemeral("/bench/s" + s.id(), "x".getBytes(StandardCharsets.UTF_8));
                } catch (RuntimeException e) {
                    refused++;
                }
            }
            System.out.printf("| %,d | %.0f | %.0f (%.0f) | %d | %d | %d (+%d sample refused) | %.0f | %.2f |%n", n,
                    opensPerSecond, acks / seconds, n * 1000.0 / Math.max(1, ttl.toMillis() / 3),
                    TimeUnit.NANOSECONDS.toMillis(minMargin), everDisconnected, expired, refused, cpuPercent,
                    os.getSystemLoadAverage());
        } finally {
            clients.forEach(KvClient::close);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
