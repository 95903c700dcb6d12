package io.kvstore.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import io.kvstore.raft.core.Role;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process members: expiry is one replicated decision, and a leader change does not expire live sessions. */
class SessionClusterTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;
    private final List<KvServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private int closedIndex = -1;

    @BeforeEach
    void start() throws IOException {
        for (ServerConfig config : TestServers.cluster(root, 3)) {
            KvServer server = KvServer.start(config);
            servers.add(server);
            channels.add(TestServers.channel(server.clientAddress()));
        }
        Awaiting.until(() -> leaderIndex() >= 0 && servers.stream().allMatch(s -> servers.stream().allMatch(
                m -> s.clientAddressOf(m.config().name()).equals(Optional.of(m.clientAddress().toString())))),
                AWAIT, () -> "a leader and every address published");
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(KvServer::close);
    }

    @Test
    void expiryDeletesTheSameEphemeralsAtTheSameRevisionOnEveryMember() {
        long id = Awaiting.succeeds(() -> sessions(0).open(SessionOpenRequest.newBuilder().setTtlMillis(1_000)
                .build()).getSessionId(), AWAIT);
        kv(1).create(CreateRequest.newBuilder().setPath("/exp").build());
        kv(1).create(CreateRequest.newBuilder().setPath("/exp/a").setSessionId(id).build());
        kv(2).create(CreateRequest.newBuilder().setPath("/exp/b").setSessionId(id).build());
        // No keepalives: the leader expires the session after about 1 s.
        for (int i = 0; i < 3; i++) {
            int member = i;
            Awaiting.until(() -> localStat(member, "/exp").getStat().getNumChildren() == 0, AWAIT,
                    () -> "ephemerals of the expired session gone on member " + member);
        }
        long deletedAt = localStat(0, "/exp").getStat().getChildrenRevision();
        for (int i = 1; i < 3; i++) {
            assertEquals(deletedAt, localStat(i, "/exp").getStat().getChildrenRevision(),
                    "member " + i + " deleted both ephemerals at the same revision");
        }
    }

    @Test
    void leaderChangeDoesNotExpireASessionThatKeepsSendingKeepalives() {
        Duration ttl = Duration.ofSeconds(3);
        List<String> endpoints = servers.stream().map(s -> s.clientAddress().toString()).toList();
        try (KvClient client = KvClient.builder().endpoints(endpoints).build()) {
            Session alive = client.openSession(ttl);
            alive.createEphemeral("/alive", new byte[0]);
            long dead = sessions(0).open(SessionOpenRequest.newBuilder().setTtlMillis(ttl.toMillis()).build())
                    .getSessionId();
            kv(0).create(CreateRequest.newBuilder().setPath("/dead").setSessionId(dead).build());

            int oldLeader = leaderIndex();
            String oldLeaderName = servers.get(oldLeader).config().name();
            servers.get(oldLeader).close();
            closedIndex = oldLeader;
            int survivor = (oldLeader + 1) % 3;
            Awaiting.until(() -> leaderIndex() >= 0 && leaderIndex() != oldLeader, AWAIT, () -> "a new leader");
            long failoverNanos = System.nanoTime();
            assertNotEquals(oldLeaderName, servers.get(leaderIndex()).config().name());

            // The session without keepalives still expires under the new leader (after its grace period) ...
            Awaiting.until(() -> !localStat(survivor, "/dead").getExists(), AWAIT, () -> "/dead expired");
            // ... while the one with keepalives lives on for two more TTLs of acknowledged keepalives.
            Awaiting.until(() -> alive.validUntilNanos() - failoverNanos > 2 * ttl.toNanos(), AWAIT,
                    () -> "keepalives acknowledged by the new leader, state " + alive.state());
            assertEquals(Session.State.CONNECTED, alive.state());
            assertTrue(kv(survivor).exists(ExistsRequest.newBuilder().setPath("/alive").build()).getExists());
            alive.close();
            assertTrue(alive.expired().isDone());
            assertTrue(!kv(survivor).exists(ExistsRequest.newBuilder().setPath("/alive").build()).getExists());
        }
    }

    /** A serializable exists on one member: its own applied state. */
    private ExistsResponse localStat(int member, String path) {
        return kv(member).exists(ExistsRequest.newBuilder().setPath(path).setSerializable(true).build());
    }

    private int leaderIndex() {
        for (int i = 0; i < servers.size(); i++) {
            if (i == closedIndex) {
                continue;
            }
            try {
                if (servers.get(i).raftStatus().role() == Role.LEADER) {
                    return i;
                }
            } catch (RuntimeException closed) {
                // a closed member has no status
            }
        }
        return -1;
    }

    private KVGrpc.KVBlockingStub kv(int index) {
        return KVGrpc.newBlockingStub(channels.get(index)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private SessionGrpc.SessionBlockingStub sessions(int index) {
        return SessionGrpc.newBlockingStub(channels.get(index)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }
}
