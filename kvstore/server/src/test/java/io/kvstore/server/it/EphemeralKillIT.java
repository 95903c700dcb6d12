package io.kvstore.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.client.KvClient;
import io.kvstore.client.CreateOptions;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes: three kvserver JVMs and a client JVM ({@link EphemeralHolderMain}) holding ephemeral znodes. The
 * client is killed with SIGKILL (no close, no goodbye); its znodes must disappear from every member within the
 * session's TTL plus a bounded slack (leader tick 100 ms, one commit, apply on followers, a loaded test machine).
 */
class EphemeralKillIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final long TTL_MILLIS = 2_000;
    /** Slack over the TTL for the expiry to be proposed, committed and applied everywhere on a loaded machine. */
    private static final Duration SLACK = Duration.ofSeconds(8);

    @TempDir
    Path root;
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Process holder;

    @AfterEach
    void stopAll() throws InterruptedException {
        if (holder != null) {
            holder.destroyForcibly();
        }
        channels.forEach(ManagedChannel::shutdownNow);
        for (ServerProcess p : servers) {
            p.stop();
        }
    }

    @Test
    void ephemeralsOfAKilledClientDisappearOnEveryMember() throws Exception {
        Map<String, String> peers = new LinkedHashMap<>();
        for (String name : List.of("n1", "n2", "n3")) {
            peers.put(name, TestServers.freePeerAddress().toString());
        }
        String cluster = peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        for (String name : peers.keySet()) {
            servers.add(ServerProcess.start(name, root.resolve(name), peers.get(name), cluster, false, START));
        }
        List<String> endpoints = servers.stream().map(ServerProcess::clientAddress).toList();
        for (String endpoint : endpoints) {
            channels.add(ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build());
        }
        try (KvClient client = KvClient.builder().endpoints(endpoints).retryDeadline(START).build()) {
            client.create("/held", new byte[0], CreateOptions.DEFAULT);
        }

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        holder = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), EphemeralHolderMain.class.getName(),
                String.join(",", endpoints), Long.toString(TTL_MILLIS), "/held", "3")
                .redirectError(ProcessBuilder.Redirect.appendTo(root.resolve("holder.log").toFile())).start();
        CompletableFuture<String> holding = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("holding ")) {
                        holding.complete(line);
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
            holding.completeExceptionally(new IllegalStateException("holder ended before holding"));
        }, "holder-stdout");
        reader.setDaemon(true);
        reader.start();
        holding.get(START.toMillis(), TimeUnit.MILLISECONDS);

        for (int i = 0; i < 3; i++) {
            int member = i;
            Awaiting.until(() -> children(member) == 3, START, () -> "member " + member + " sees 3 ephemerals");
        }
        // Alive for two more TTLs while the holder keeps the session: no early expiry.
        long keptUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * TTL_MILLIS);
        Awaiting.until(() -> System.nanoTime() - keptUntil > 0 || children(0) != 3, START, () -> "");
        assertEquals(3, children(0), "the live holder's ephemerals stay");

        holder.destroyForcibly(); // SIGKILL
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        long killed = System.nanoTime();
        Duration bound = Duration.ofMillis(TTL_MILLIS).plus(SLACK);
        for (int i = 0; i < 3; i++) {
            int member = i;
            Awaiting.until(() -> children(member) == 0, bound.minusNanos(System.nanoTime() - killed),
                    () -> "member " + member + " still has the killed client's ephemerals");
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        System.out.println("EphemeralKillIT: ephemerals gone on every member " + tookMillis + " ms after SIGKILL");
    }

    /** Children of /held as one member has applied them (a serializable read, answered by that member). */
    private long children(int member) {
        return KVGrpc.newBlockingStub(channels.get(member)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .exists(ExistsRequest.newBuilder().setPath("/held").setSerializable(true).build()).getStat()
                .getNumChildren();
    }
}
