package io.kvstore.e2e;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvUnavailableException;
import io.kvstore.client.PutOptions;
import io.kvstore.server.member.MemberIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The failover measurement of {@code bin/bench-cluster}: finds the leader of a running cluster from the response
 * headers, {@code kill -9}s it by the process id the script gave (a process the script started), and times until
 * a write is acknowledged by the new leader. Not a test; a main run from the test class path.
 *
 * <pre>
 * FailoverProbe leader --endpoints A,B,C --members n1=PID,n2=PID,n3=PID     prints the leader's name
 * FailoverProbe kill   --endpoints A,B,C --members n1=PID,n2=PID,n3=PID     prints "failover_ms 312.5 killed n2 ..."
 * </pre>
 *
 * <p>The writing client retries as an impatient production client would: 500 ms per attempt, backoff 5 ms doubling
 * to 50 ms, so the figure is the cluster's (detection, election, first commit), not a backoff's. The write is sent
 * after the kill, so an acknowledgement already in flight cannot be mistaken for one from the new leader.
 */
public final class FailoverProbe {
    /** Writes before the kill: warm the client's and the servers' paths so the figure is not JIT warm-up. */
    private static final int WARMUP_WRITES = 200;
    private static final Duration LEADER_WAIT = Duration.ofSeconds(30);
    /** Far above any failover we expect (targets: 0.5 s); past it the probe reports a failure. */
    private static final Duration WRITE_WAIT = Duration.ofSeconds(30);

    private FailoverProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 || !args[1].equals("--endpoints") || !args[3].equals("--members")) {
            System.err.println("usage: FailoverProbe leader|kill --endpoints A,B,C --members n1=PID,n2=PID,...");
            System.exit(2);
        }
        List<String> endpoints = List.of(args[2].split(","));
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String member : args[4].split(",")) {
            String[] nameAndPid = member.split("=", 2);
            pids.put(nameAndPid[0], Long.parseLong(nameAndPid[1]));
        }
        List<ManagedChannel> channels = new ArrayList<>();
        endpoints.forEach(e -> channels.add(ManagedChannelBuilder.forTarget(e).usePlaintext().build()));
        try {
            String leader = awaitLeader(channels, pids.keySet());
            if (args[0].equals("leader")) {
                System.out.println(leader);
            } else {
                killAndTime(endpoints, channels, pids, leader);
            }
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    private static void killAndTime(List<String> endpoints, List<ManagedChannel> channels, Map<String, Long> pids,
            String leader) {
        try (KvClient kv = KvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofMillis(500))
                .retryDeadline(WRITE_WAIT).backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build()) {
            for (int i = 0; i < WARMUP_WRITES; i++) {
                kv.put("/failover-probe/warmup", bytes(i), PutOptions.DEFAULT.withMakeParents());
            }
            ProcessHandle victim = ProcessHandle.of(pids.get(leader))
                    .orElseThrow(() -> new IllegalStateException("no process " + pids.get(leader) + " for " + leader));
            Map<String, Long> survivors = new LinkedHashMap<>(pids);
            survivors.remove(leader);
            long killedAt = System.nanoTime();
            java.time.Instant killedAtWallClock = java.time.Instant.now();
            victim.destroyForcibly();
            // Beside the write: when a survivor first names a new leader, to split the figure into election and
            // first commit. Polls every 5 ms, so it is up to 5 ms late.
            CompletableFuture<Long> elected = CompletableFuture.supplyAsync(
                    () -> {
                        awaitNewLeader(channels, survivors.keySet(), leader);
                        return System.nanoTime() - killedAt;
                    });
            long writeNanos;
            try {
                kv.put("/failover-probe/after-kill", bytes(killedAt), PutOptions.DEFAULT.withMakeParents());
                writeNanos = System.nanoTime() - killedAt;
            } catch (KvUnavailableException e) {
                System.out.println("failover_ms FAILED killed " + leader + ": no write acknowledged within "
                        + WRITE_WAIT + ": " + e.getMessage());
                System.exit(1);
                return;
            }
            String next = awaitLeader(channels, survivors.keySet());
            // The wall-clock kill time lines the figure up with the members' log timestamps (same clock).
            System.out.printf(Locale.ROOT, "failover_ms %.1f killed %s pid %d new_leader %s elected_ms %.1f at %s%n",
                    writeNanos / 1e6, leader, pids.get(leader), next, elected.join() / 1e6, killedAtWallClock);
        }
    }

    /** Returns once some member names a leader other than {@code old}; bounded by LEADER_WAIT. */
    private static void awaitNewLeader(List<ManagedChannel> channels, Set<String> survivors, String old) {
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        long oldId = MemberIds.numeric(old);
        while (System.nanoTime() - deadline < 0) {
            for (ManagedChannel channel : channels) {
                try {
                    long id = KVGrpc.newBlockingStub(channel).withDeadlineAfter(100, TimeUnit.MILLISECONDS)
                            .exists(ExistsRequest.newBuilder().setPath("/").setSerializable(true).build())
                            .getHeader().getLeaderId();
                    if (id != 0 && id != oldId && survivors.stream().anyMatch(n -> MemberIds.numeric(n) == id)) {
                        return;
                    }
                } catch (StatusRuntimeException down) {
                    // the killed member, or one busy electing
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** The member that every answering member names as leader and that names itself. */
    private static String awaitLeader(List<ManagedChannel> channels, Set<String> names) {
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        while (true) {
            Optional<String> leader = agreedLeader(channels, names);
            if (leader.isPresent()) {
                return leader.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no agreed leader among " + names + " within " + LEADER_WAIT);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static Optional<String> agreedLeader(List<ManagedChannel> channels, Set<String> names) {
        Long leaderId = null;
        boolean leaderConfirmed = false;
        for (ManagedChannel channel : channels) {
            ResponseHeader h;
            try {
                h = KVGrpc.newBlockingStub(channel).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                        .exists(ExistsRequest.newBuilder().setPath("/").setSerializable(true).build()).getHeader();
            } catch (StatusRuntimeException down) {
                continue;
            }
            if (h.getLeaderId() == 0 || (leaderId != null && leaderId != h.getLeaderId())) {
                return Optional.empty();
            }
            leaderId = h.getLeaderId();
            leaderConfirmed |= h.getMemberId() == h.getLeaderId();
        }
        if (leaderId == null || !leaderConfirmed) {
            return Optional.empty();
        }
        long id = leaderId;
        return names.stream().filter(n -> MemberIds.numeric(n) == id).findFirst();
    }

    private static byte[] bytes(long n) {
        return Long.toString(n).getBytes(StandardCharsets.UTF_8);
    }
}
