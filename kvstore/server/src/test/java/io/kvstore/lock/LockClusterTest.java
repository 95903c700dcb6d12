package io.kvstore.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.kvstore.api.v1.AcquireRequest;
import io.kvstore.api.v1.AcquireResponse;
import io.kvstore.api.v1.CampaignRequest;
import io.kvstore.api.v1.CampaignResponse;
import io.kvstore.api.v1.ElectionGrpc;
import io.kvstore.api.v1.LeaderRequest;
import io.kvstore.api.v1.LockGrpc;
import io.kvstore.api.v1.ReleaseRequest;
import io.kvstore.api.v1.ResignRequest;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three in-process members: lock and election calls served by followers (writes through the leader, waiting on the
 * follower's own applied state), and observers on every member seeing the same leaders in the same order.
 */
class LockClusterTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;
    private final List<KvServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        for (ServerConfig config : TestServers.cluster(root, 3)) {
            KvServer server = KvServer.start(config);
            servers.add(server);
            channels.add(TestServers.channel(server.clientAddress()));
        }
        Awaiting.until(() -> servers.stream().allMatch(s -> servers.stream().allMatch(
                m -> s.clientAddressOf(m.config().name()).equals(Optional.of(m.clientAddress().toString())))),
                AWAIT, () -> "every address published");
    }

    @AfterEach
    void stop() {
        callers.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(KvServer::close);
    }

    @Test
    void aLockHandsOverAcrossMembersInArrivalOrder() throws Exception {
        long s = Awaiting.succeeds(() -> session(0), AWAIT);
        AcquireResponse first = lock(0).acquire(acquire(s).build());
        List<CompletableFuture<AcquireResponse>> queued = new ArrayList<>();
        for (int m = 1; m <= 2; m++) {
            int member = m;
            queued.add(CompletableFuture.supplyAsync(() -> lock(member).acquire(acquire(s).build()), callers));
            int expected = m + 1;
            Awaiting.until(() -> waiters() == expected, AWAIT, () -> "waiter via member " + member + " not queued");
        }
        AcquireResponse previous = first;
        for (CompletableFuture<AcquireResponse> next : queued) {
            assertFalse(next.isDone());
            lock(0).release(ReleaseRequest.newBuilder().setKey(previous.getKey())
                    .setFencingToken(previous.getFencingToken()).build());
            AcquireResponse granted = next.get(30, TimeUnit.SECONDS);
            assertTrue(granted.getFencingToken() > previous.getFencingToken());
            previous = granted;
        }
    }

    @Test
    void observersOnEveryMemberSeeTheSameLeaders() throws Exception {
        long s = Awaiting.succeeds(() -> session(0), AWAIT);
        List<List<String>> seen = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            List<String> values = new CopyOnWriteArrayList<>();
            seen.add(values);
            ElectionGrpc.newStub(channels.get(m)).observe(LeaderRequest.newBuilder().setName("c").build(),
                    ElectionServiceTest.collect(values));
        }
        Awaiting.until(() -> seen.stream().allMatch(v -> v.size() == 1), AWAIT, () -> "initial: " + seen);
        List<CompletableFuture<CampaignResponse>> waiting = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            int member = m;
            waiting.add(CompletableFuture.supplyAsync(() -> election(member).campaign(CampaignRequest.newBuilder()
                    .setName("c").setSessionId(s).setValue(ByteString.copyFromUtf8("v" + member)).build()), callers));
            Awaiting.until(() -> candidates() == member + 1, AWAIT, () -> "candidate " + member + " not queued");
        }
        for (int i = 0; i < waiting.size(); i++) {
            CampaignResponse won = waiting.get(i).get(30, TimeUnit.SECONDS);
            assertTrue(won.getElected());
            for (int j = i + 1; j < waiting.size(); j++) {
                assertFalse(waiting.get(j).isDone(), "candidate " + j + " elected while " + i + " leads");
            }
            election(1).resign(ResignRequest.newBuilder().setLeader(won.getLeader()).build());
        }
        List<String> expected = List.of("-", "v0", "v1", "v2");
        Awaiting.until(() -> seen.stream().allMatch(v -> v.size() == expected.size()), AWAIT, () -> "seen " + seen);
        for (List<String> values : seen) {
            assertEquals(expected, values, "every member's observer, same sequence");
        }
    }

    private int waiters() {
        return io.kvstore.api.v1.KVGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .list(io.kvstore.api.v1.ListRequest.newBuilder().setPath("/_locks/x").build()).getNamesCount();
    }

    private int candidates() {
        try {
            return io.kvstore.api.v1.KVGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .list(io.kvstore.api.v1.ListRequest.newBuilder().setPath("/_elections/c").build())
                    .getNamesCount();
        } catch (io.grpc.StatusRuntimeException notYet) {
            return 0;
        }
    }

    private static AcquireRequest.Builder acquire(long session) {
        return AcquireRequest.newBuilder().setName("x").setSessionId(session);
    }

    private LockGrpc.LockBlockingStub lock(int member) {
        return LockGrpc.newBlockingStub(channels.get(member)).withDeadlineAfter(1, TimeUnit.MINUTES);
    }

    private ElectionGrpc.ElectionBlockingStub election(int member) {
        return ElectionGrpc.newBlockingStub(channels.get(member)).withDeadlineAfter(1, TimeUnit.MINUTES);
    }

    private long session(int member) {
        return SessionGrpc.newBlockingStub(channels.get(member)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .open(SessionOpenRequest.newBuilder().setTtlMillis(60_000).build()).getSessionId();
    }
}
