package io.kvstore.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.CampaignRequest;
import io.kvstore.api.v1.CampaignResponse;
import io.kvstore.api.v1.ElectionGrpc;
import io.kvstore.api.v1.LeaderKey;
import io.kvstore.api.v1.LeaderRequest;
import io.kvstore.api.v1.LeaderResponse;
import io.kvstore.api.v1.ProclaimRequest;
import io.kvstore.api.v1.ResignRequest;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Election service on one member over loopback gRPC. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElectionServiceTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);
    private KvServer server;
    private ManagedChannel channel;
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        server = KvServer.start(TestServers.single(dir));
        channel = TestServers.channel(server.clientAddress());
        Awaiting.succeeds(() -> session(60_000), AWAIT);
    }

    @AfterAll
    void stop() {
        callers.shutdownNow();
        channel.shutdownNow();
        server.close();
    }

    @Test
    void everyObserverSeesTheSameLeadersInOrderAndOneLeaderAtATime() throws Exception {
        List<List<String>> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> values = new CopyOnWriteArrayList<>();
            seen.add(values);
            ElectionGrpc.newStub(channel).observe(LeaderRequest.newBuilder().setName("obs").build(),
                    collect(values));
        }
        Awaiting.until(() -> seen.stream().allMatch(v -> v.size() == 1), AWAIT, () -> "no initial response");
        long s = session(60_000);
        CampaignResponse a = election().campaign(campaign("obs", s, "a").build());
        assertTrue(a.getElected());
        List<CompletableFuture<CampaignResponse>> waiting = new ArrayList<>();
        for (String v : List.of("b", "c")) {
            waiting.add(CompletableFuture.supplyAsync(() -> election().campaign(campaign("obs", s, v).build()),
                    callers));
            Awaiting.until(() -> leader("obs").getLeader().getKey().equals(a.getLeader().getKey())
                    && candidates("obs") == waiting.size() + 1, AWAIT, () -> "candidate " + v + " not queued");
        }
        election().proclaim(ProclaimRequest.newBuilder().setLeader(a.getLeader())
                .setValue(ByteString.copyFromUtf8("a2")).build());
        assertEquals("a2", leader("obs").getValue().toStringUtf8());

        LeaderKey previous = a.getLeader();
        for (CompletableFuture<CampaignResponse> next : waiting) {
            assertFalse(next.isDone(), "two leaders at once");
            election().resign(ResignRequest.newBuilder().setLeader(previous).build());
            CampaignResponse won = next.get(20, TimeUnit.SECONDS);
            assertTrue(won.getLeader().getToken() > previous.getToken(), "leadership tokens increase");
            assertEquals(won.getLeader().getKey(), leader("obs").getLeader().getKey());
            previous = won.getLeader();
        }
        election().resign(ResignRequest.newBuilder().setLeader(previous).build());
        List<String> expected = List.of("-", "a", "a2", "b", "c");
        Awaiting.until(() -> seen.stream().allMatch(v -> v.size() == expected.size()), AWAIT,
                () -> "observers saw " + seen);
        for (List<String> values : seen) {
            assertEquals(expected, values, "observer sequence");
        }
        assertReason("NO_LEADER", () -> leader("obs"));
    }

    @Test
    void aDeposedLeaderCannotProclaimOrResign() {
        long dying = session(1_000); // never kept alive: leadership ends with it
        CampaignResponse old = election().campaign(campaign("deposed", dying, "old").build());
        long s = session(60_000);
        CampaignResponse now = election().campaign(campaign("deposed", s, "new").build());
        assertTrue(now.getLeader().getToken() > old.getLeader().getToken());
        assertReason("FENCED", () -> election().proclaim(ProclaimRequest.newBuilder().setLeader(old.getLeader())
                .setValue(ByteString.copyFromUtf8("mine")).build()));
        assertEquals("new", leader("deposed").getValue().toStringUtf8());
        assertReason("LOCK_NOT_HELD", () -> election().resign(ResignRequest.newBuilder()
                .setLeader(old.getLeader()).build()));
        election().resign(ResignRequest.newBuilder().setLeader(now.getLeader()).build());
    }

    @Test
    void campaignTimesOutWithoutLeaving() {
        long s = session(60_000);
        CampaignResponse leader = election().campaign(campaign("timeout", s, "l").build());
        CampaignResponse late = election().campaign(campaign("timeout", s, "x").setTimeoutMillis(300).build());
        assertFalse(late.getElected());
        assertEquals(1, candidates("timeout"));
        election().resign(ResignRequest.newBuilder().setLeader(leader.getLeader()).build());
    }

    @Test
    void malformedNamesAreRejected() {
        long s = session(60_000);
        assertReason("INVALID_LOCK_NAME", () -> election().campaign(campaign("../x", s, "v").build()));
        assertReason("INVALID_LOCK_NAME", () -> election().campaign(campaign("a b", s, "v").build()));
        assertReason("INVALID_LOCK_NAME", () -> leader("no/slash"));
        assertReason("INVALID_ARGUMENT", () -> election().resign(ResignRequest.newBuilder().setLeader(
                LeaderKey.newBuilder().setKey("/_locks/x/w-0000000000000000001").setToken(5)).build()));
    }

    private ElectionGrpc.ElectionBlockingStub election() {
        return ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
    }

    private LeaderResponse leader(String name) {
        return election().leader(LeaderRequest.newBuilder().setName(name).build());
    }

    private int candidates(String name) {
        return io.kvstore.api.v1.KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                .list(io.kvstore.api.v1.ListRequest.newBuilder().setPath("/_elections/" + name).build())
                .getNamesCount();
    }

    private static CampaignRequest.Builder campaign(String name, long session, String value) {
        return CampaignRequest.newBuilder().setName(name).setSessionId(session)
                .setValue(ByteString.copyFromUtf8(value));
    }

    private long session(long ttlMillis) {
        return SessionGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                .open(SessionOpenRequest.newBuilder().setTtlMillis(ttlMillis).build()).getSessionId();
    }

    /** Records each Observe response as its value, "-" for no leader, "error ..." for a failure. */
    static StreamObserver<LeaderResponse> collect(List<String> values) {
        return new StreamObserver<>() {
            @Override
            public void onNext(LeaderResponse r) {
                values.add(r.getHasLeader() ? r.getValue().toStringUtf8() : "-");
            }

            @Override
            public void onError(Throwable t) {
                values.add("error " + t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    private static StatusRuntimeException assertReason(String reason, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(reason, e.getTrailers().get(ErrorTrailers.REASON), e.toString());
        return e;
    }
}
