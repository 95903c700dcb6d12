package io.kvstore.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.raft.core.Role;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watches on a 3-member in-process cluster: followers serve the same history, and a watch survives its member. */
class WatchClusterTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;
    private final List<KvServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        for (ServerConfig config : TestServers.cluster(root, 3)) {
            KvServer server = KvServer.start(config);
            servers.add(server);
            channels.add(TestServers.channel(server.clientAddress()));
        }
        Awaiting.until(() -> servers.stream().filter(s -> s.raftStatus().role() == Role.LEADER).count() == 1
                && servers.stream().allMatch(s -> s.raftStatus().leaderId() != null), AWAIT, () -> "a leader");
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(KvServer::close);
    }

    private KvClient client(int... order) {
        List<String> endpoints = new ArrayList<>();
        for (int i : order) {
            endpoints.add(servers.get(i).clientAddress().toString());
        }
        return KvClient.builder().endpoints(endpoints).backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
    }

    @Test
    void followerServedWatchSeesTheSameEventsInTheSameOrderAsTheLeader() {
        int leader = leaderIndex();
        int follower = (leader + 1) % 3;
        try (KvClient kv = client(0, 1, 2);
             WatchClient atLeader = new WatchClient(channels.get(leader));
             WatchClient atFollower = new WatchClient(channels.get(follower))) {
            for (int i = 0; i < 10; i++) {
                kv.put("/f/k" + (i % 3), bytes("v" + i), PutOptions.DEFAULT.withMakeParents());
            }
            long last = kv.delete("/f", io.kvstore.client.DeleteOptions.DEFAULT.withRecursive()).revision();
            WatchCreateRequest request = WatchCreateRequest.newBuilder().setWatchId(1).setPath("/f")
                    .setMode(WatchMode.SUBTREE).setStartRevision(1).setPrevValue(true).build();
            atLeader.create(request);
            atFollower.create(request);
            atLeader.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == last, AWAIT);
            atFollower.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == last, AWAIT);
            List<WatchEvent> fromLeader = atLeader.events(1);
            assertEquals(fromLeader, atFollower.events(1), "same history on every member");
            assertEquals(10 + 1 + 4, fromLeader.size(), "10 writes (the first also created /f), then 4 deletes");
        }
    }

    @Test
    void clientWatchSurvivesClosingItsMemberWithoutGapOrDuplicate() {
        int first = 0;
        List<io.kvstore.client.WatchEvent> seen = new CopyOnWriteArrayList<>();
        List<Watcher.State> states = new CopyOnWriteArrayList<>();
        int writes = 30;
        try (KvClient writer = client(1, 2); KvClient watching = client(first, 1, 2)) {
            writer.put("/w/k0", bytes("init"), PutOptions.DEFAULT.withMakeParents());
            Watcher watcher = watching.watch("/w", WatchOptions.DEFAULT.withMode(io.kvstore.client.WatchMode.SUBTREE)
                    .withProgressNotify(), new WatchListener() {
                        @Override
                        public void onEvents(List<io.kvstore.client.WatchEvent> events) {
                            seen.addAll(events);
                        }

                        @Override
                        public void onStateChanged(Watcher.State state) {
                            states.add(state);
                        }
                    });
            Awaiting.until(() -> watcher.state() == Watcher.State.CONNECTED, AWAIT, () -> "connected");
            for (int i = 1; i <= writes / 2; i++) {
                writer.put("/w/k" + i, bytes("v" + i));
            }
            Awaiting.until(() -> seen.size() == writes / 2, AWAIT, () -> "first half: " + seen);
            servers.get(first).close(); // the member the watch is on (maybe the leader)
            for (int i = writes / 2 + 1; i <= writes; i++) {
                writer.put("/w/k" + i, bytes("v" + i));
            }
            Awaiting.until(() -> seen.size() == writes, AWAIT, () -> "all writes: " + seen + " state "
                    + watcher.state());
            for (int i = 0; i < writes; i++) {
                assertEquals("/w/k" + (i + 1), seen.get(i).path(), "in order, no gap, no duplicate");
                assertEquals("v" + (i + 1), new String(seen.get(i).value(), StandardCharsets.UTF_8));
            }
            for (int i = 1; i < writes; i++) {
                assertTrue(seen.get(i).revision() > seen.get(i - 1).revision());
            }
            assertTrue(states.contains(Watcher.State.RECONNECTING), "it noticed: " + states);
            assertEquals(Watcher.State.CONNECTED, watcher.state());
            watcher.close();
            assertEquals(Watcher.State.CLOSED, watcher.state());
        }
    }

    private int leaderIndex() {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).raftStatus().role() == Role.LEADER) {
                return i;
            }
        }
        throw new AssertionError("no leader");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
