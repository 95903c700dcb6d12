package io.kvstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.raft.core.Role;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.member.MemberIds;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three KvServers in one JVM over loopback: forwarding, linearizable and serializable reads, leader failover. */
class ThreeMemberClusterTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);

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
        awaitSettled(servers);
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(KvServer::close);
    }

    @Test
    void writeToAFollowerIsForwardedAndReadableEverywhere() {
        int leader = leaderIndex(servers);
        int follower = (leader + 1) % 3;
        int other = (leader + 2) % 3;
        PutResponse put = kv(follower).put(PutRequest.newBuilder().setPath("/fwd").setValue(bytes("v1")).build());
        assertEquals(MemberIds.numeric(name(leader)), put.getHeader().getMemberId(), "the leader answered");

        GetResponse linearizable = kv(other).get(GetRequest.newBuilder().setPath("/fwd").build());
        assertEquals(bytes("v1"), linearizable.getValue(), "a linearizable read on a follower sees the write");
        assertTrue(linearizable.getHeader().getRevision() >= put.getHeader().getRevision());
        assertEquals(false, linearizable.getHeader().getSerializable());

        GetResponse serializable = Awaiting.succeeds(() -> kv(other).get(
                GetRequest.newBuilder().setPath("/fwd").setSerializable(true).build()), AWAIT);
        assertTrue(serializable.getHeader().getSerializable());
        assertEquals(MemberIds.numeric(name(other)), serializable.getHeader().getMemberId(),
                "a serializable read is answered by the member asked");
    }

    @Test
    void retriedForwardedWriteAppliesOnce() {
        int follower = (leaderIndex(servers) + 1) % 3;
        PutRequest put = PutRequest.newBuilder().setPath("/once").setValue(bytes("x"))
                .setHeader(RequestHeader.newBuilder().setClientId("c-fwd").setSequence(7)).build();
        PutResponse first = kv(follower).put(put);
        assertEquals(first, kv((follower + 1) % 3).put(put));
        assertEquals(1, kv(follower).get(GetRequest.newBuilder().setPath("/once").build()).getStat().getVersion());
    }

    @Test
    void closingTheLeaderElectsANewOneThatServesWrites() {
        int leader = leaderIndex(servers);
        kv(leader).put(PutRequest.newBuilder().setPath("/before").setValue(bytes("1")).build());
        servers.get(leader).close();
        List<KvServer> rest = new ArrayList<>(servers);
        rest.remove(leader);
        awaitSettled(rest);
        int survivor = (leader + 1) % 3;
        PutResponse after = Awaiting.succeeds(() -> kv(survivor).put(
                PutRequest.newBuilder().setPath("/after").setValue(bytes("2")).build()), AWAIT);
        assertNotEquals(MemberIds.numeric(name(leader)), after.getHeader().getMemberId());
        assertEquals(bytes("1"), kv(survivor).get(GetRequest.newBuilder().setPath("/before").build()).getValue());
    }

    @Test
    void linearizableReadOnAFollowerIsServedThereAndSeesTheWriteAcknowledgedBefore() {
        int leader = leaderIndex(servers);
        int follower = (leader + 1) % 3;
        PutResponse put = kv(leader).put(PutRequest.newBuilder().setPath("/fr").setValue(bytes("v")).build());
        GetResponse read = kv(follower).get(GetRequest.newBuilder().setPath("/fr").build());
        assertEquals(bytes("v"), read.getValue());
        assertEquals(MemberIds.numeric(name(follower)), read.getHeader().getMemberId(),
                "the follower served the read itself (follower read index), it did not forward it");
        assertEquals(false, read.getHeader().getSerializable());
        assertTrue(read.getHeader().getRevision() >= put.getHeader().getRevision());
    }

    /** Seeded: every write acknowledged by one member is seen by a linearizable read on another, which serves it. */
    @Test
    void interleavedWritesAndReadsOnOtherMembersAreLinearizable() {
        long seed = 20240611L;
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            int writer = random.nextInt(3);
            int reader = (writer + 1 + random.nextInt(2)) % 3;
            String path = "/il" + random.nextInt(5);
            String value = "v" + i;
            PutResponse put = kv(writer).put(PutRequest.newBuilder().setPath(path).setValue(bytes(value)).build());
            GetResponse read = kv(reader).get(GetRequest.newBuilder().setPath(path).build());
            String context = "seed " + seed + " step " + i + ": write on " + name(writer) + ", read on "
                    + name(reader);
            assertEquals(value, read.getValue().toStringUtf8(), context);
            assertEquals(MemberIds.numeric(name(reader)), read.getHeader().getMemberId(), context);
            assertTrue(read.getHeader().getRevision() >= put.getHeader().getRevision(), context);
        }
    }

    /** Every member of {@code members} sees the same leader, which is one of them, and knows every address. */
    private static void awaitSettled(List<KvServer> members) {
        Awaiting.until(() -> {
            Optional<String> leader = members.stream().filter(s -> s.raftStatus().role() == Role.LEADER)
                    .map(s -> s.config().name()).findFirst();
            return leader.isPresent() && members.stream().allMatch(s ->
                    leader.get().equals(s.raftStatus().leaderId())
                            && members.stream().allMatch(m -> s.clientAddressOf(m.config().name())
                                    .equals(Optional.of(m.clientAddress().toString()))));
        }, AWAIT, () -> "one leader and all addresses published: " + Arrays.toString(
                members.stream().map(KvServer::raftStatus).toArray()));
    }

    private static int leaderIndex(List<KvServer> servers) {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).raftStatus().role() == Role.LEADER) {
                return i;
            }
        }
        throw new AssertionError("no leader");
    }

    private KVGrpc.KVBlockingStub kv(int index) {
        return KVGrpc.newBlockingStub(channels.get(index)).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    private String name(int index) {
        return servers.get(index).config().name();
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
