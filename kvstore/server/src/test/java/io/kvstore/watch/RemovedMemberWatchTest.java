package io.kvstore.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.ElectionGrpc;
import io.kvstore.api.v1.LeaderRequest;
import io.kvstore.api.v1.MemberRemoveRequest;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.client.KvClient;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchMode;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member removed from the cluster while it keeps running applies nothing more: its watch and observe streams must
 * end (UNAVAILABLE NOT_MEMBER) instead of going silent, so the client's Watcher resumes at another member without
 * a gap, and new ones are refused there.
 */
class RemovedMemberWatchTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    private final List<KvServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(KvServer::close);
    }

    @Test
    void aWatchOnARemovedMemberResumesAtAnotherWithoutAGap(@TempDir Path dir) throws Exception {
        int leader = TestServers.startSettled(TestServers.cluster(dir, 3), servers, AWAIT);
        servers.forEach(s -> channels.add(TestServers.channel(s.clientAddress())));
        int removed = (leader + 1) % 3;
        List<String> endpoints = List.of(address(removed), address(leader), address((leader + 2) % 3));
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        try (KvClient parent = KvClient.builder().endpoints(address(leader)).build()) {
            parent.put("/w", bytes(0));
        }
        // The watch starts after the member's current revision: wait until it applied /w, else /w's creation
        // would be among the events (a follower applies a little after the leader answers).
        io.kvstore.api.v1.KVGrpc.KVBlockingStub onRemoved = io.kvstore.api.v1.KVGrpc.newBlockingStub(
                channels.get(removed));
        Awaiting.until(() -> onRemoved.withDeadlineAfter(5, TimeUnit.SECONDS).exists(io.kvstore.api.v1.ExistsRequest.newBuilder()
                .setPath("/w").setSerializable(true).build()).getExists(), AWAIT, () -> "/w applied on the member");
        try (KvClient client = KvClient.builder().endpoints(endpoints).build();
             KvClient writer = KvClient.builder().endpoints(address(leader)).build();
             Watcher watcher = client.watch("/w", new WatchOptions(WatchMode.SUBTREE, 0, false, false),
                     new WatchListener() {
                         @Override
                         public void onEvents(List<WatchEvent> events) {
                             seen.addAll(events);
                         }
                     })) {
            Awaiting.until(() -> watcher.state() == Watcher.State.CONNECTED, AWAIT, () -> "watch connected");
            for (int i = 1; i <= 5; i++) {
                writer.put("/w/" + i, bytes(i));
            }
            Awaiting.until(() -> seen.size() == 5, AWAIT, () -> "5 events before the removal: " + seen);
            // The watch is on the member to be removed: a client starts at its first endpoint.

            ClusterGrpc.newBlockingStub(channels.get(leader)).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .memberRemove(MemberRemoveRequest.newBuilder().setName(name(removed)).build());
            for (int i = 6; i <= 15; i++) {
                writer.put("/w/" + i, bytes(i));
            }
            Awaiting.until(() -> seen.size() >= 15, AWAIT, () -> "all 15 events, also after the removal: " + seen);
            List<String> paths = seen.stream().map(WatchEvent::path).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 15; i++) {
                expected.add("/w/" + i);
            }
            assertEquals(expected, paths, "every event once, in order");
            for (int i = 1; i < seen.size(); i++) {
                assertEquals(true, seen.get(i).revision() > seen.get(i - 1).revision(), "revisions increase");
            }
        }

        // The removed member refuses new watches and observations.
        StatusRuntimeException refused = Awaiting.succeeds(() -> {
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channels.get(removed))
                    .withDeadlineAfter(5, TimeUnit.SECONDS).watch(new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
            requests.onNext(WatchRequest.newBuilder().setCreate(WatchCreateRequest.newBuilder().setWatchId(1)
                    .setPath("/w")).build());
            Throwable t = ended.join();
            if (!(t instanceof StatusRuntimeException e) || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                throw new IllegalStateException("not refused yet: " + t);
            }
            return e;
        }, AWAIT);
        assertEquals(ErrorCode.NOT_MEMBER, ErrorTrailers.reason(refused).orElseThrow());
        StatusRuntimeException observe = assertThrows(StatusRuntimeException.class, () -> ElectionGrpc
                .newBlockingStub(channels.get(removed)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .observe(LeaderRequest.newBuilder().setName("e").build()).hasNext());
        assertEquals(Status.Code.UNAVAILABLE, observe.getStatus().getCode());
        assertEquals(ErrorCode.NOT_MEMBER, ErrorTrailers.reason(observe).orElseThrow());
    }

    /**
     * A --join member runs without a leader until it is added: that must not read as a removal, or it would refuse
     * watches for good once added.
     */
    @Test
    void aJoiningMemberLeftWithoutALeaderServesWatchesOnceAdded(@TempDir Path dir) throws Exception {
        ServerConfig[] configs = TestServers.cluster(dir, 3);
        int leader = TestServers.startSettled(configs, servers, AWAIT);
        servers.forEach(s -> channels.add(TestServers.channel(s.clientAddress())));
        io.kvstore.server.config.HostPort n4Peer = TestServers.freePeerAddress();
        java.util.Map<String, io.kvstore.server.config.HostPort> joinList =
                new java.util.LinkedHashMap<>(configs[0].cluster());
        joinList.put("n4", n4Peer);
        KvServer n4 = KvServer.start(new ServerConfig("n4", dir.resolve("n4"),
                new io.kvstore.server.config.HostPort("127.0.0.1", 0), n4Peer, joinList, "test", true));
        servers.add(n4);
        // Not a synchronization: time must pass beyond MemberStanding's 2 s of doubt while n4 has no leader.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_000);
        Awaiting.until(() -> System.nanoTime() - until > 0, AWAIT, () -> "time passes");
        ClusterGrpc.newBlockingStub(channels.get(leader)).withDeadlineAfter(20, TimeUnit.SECONDS)
                .memberAdd(io.kvstore.api.v1.MemberAddRequest.newBuilder().setName("n4")
                        .setPeerAddress(n4Peer.toString()).build());
        Awaiting.until(() -> n4.raftStatus().leaderId() != null && n4.clientAddressOf("n4").isPresent(), AWAIT,
                () -> "n4 follows a leader: " + n4.raftStatus());
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        try (KvClient writer = KvClient.builder().endpoints(address(leader)).build();
             KvClient client = KvClient.builder().endpoints(n4.clientAddress().toString()).build();
             Watcher watcher = client.watch("/j", WatchOptions.DEFAULT, seen::addAll)) {
            Awaiting.until(() -> watcher.state() == Watcher.State.CONNECTED, AWAIT, () -> "watch on n4 connected");
            writer.put("/j", bytes(1));
            Awaiting.until(() -> seen.size() == 1, AWAIT, () -> "n4 delivers the event: " + seen);
        }
    }

    private String name(int index) {
        return servers.get(index).config().name();
    }

    private String address(int index) {
        return servers.get(index).clientAddress().toString();
    }

    private static byte[] bytes(int i) {
        return Integer.toString(i).getBytes(StandardCharsets.UTF_8);
    }
}
