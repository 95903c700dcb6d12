package io.kvstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.LeaderTransferRequest;
import io.kvstore.api.v1.Member;
import io.kvstore.api.v1.MemberAddRequest;
import io.kvstore.api.v1.MemberListRequest;
import io.kvstore.api.v1.MemberListResponse;
import io.kvstore.api.v1.MemberPromoteRequest;
import io.kvstore.api.v1.MemberRemoveRequest;
import io.kvstore.api.v1.MemberRole;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.StatusRequest;
import io.kvstore.api.v1.StatusResponse;
import io.kvstore.raft.core.Role;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cluster service over loopback with KvServers in one JVM: a --join member is added as a learner, catches up
 * and is promoted; members are removed (also the leader, which hands leadership over first); leadership moves to
 * a named member and to the most up-to-date one; the error paths carry their reasons.
 */
class ClusterMembershipTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);

    @TempDir
    Path root;
    private final Map<String, KvServer> servers = new LinkedHashMap<>();
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    private Map<String, HostPort> peers;

    @BeforeEach
    void start() throws IOException {
        ServerConfig[] configs = TestServers.cluster(root, 3);
        peers = new LinkedHashMap<>(configs[0].cluster());
        for (ServerConfig config : configs) {
            add(KvServer.start(config));
        }
        awaitOneLeader();
    }

    @AfterEach
    void stop() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        servers.values().forEach(KvServer::close);
    }

    @Test
    void growPromoteRemoveTransferAndRemoveTheLeader() throws IOException {
        for (int i = 0; i < 20; i++) {
            kv(leader()).put(PutRequest.newBuilder().setPath("/k" + i).setValue(bytes("v" + i)).build());
        }
        // A fourth member started with --join, added as a learner through a follower (forwarded to the leader).
        HostPort n4Peer = TestServers.freePeerAddress();
        Map<String, HostPort> joinList = new LinkedHashMap<>(peers);
        joinList.put("n4", n4Peer);
        add(KvServer.start(new ServerConfig("n4", root.resolve("n4"), new HostPort("127.0.0.1", 0), n4Peer,
                joinList, "test", true)));
        assertEquals(Role.FOLLOWER, servers.get("n4").raftStatus().role());
        cluster(aFollower()).memberAdd(MemberAddRequest.newBuilder().setName("n4")
                .setPeerAddress(n4Peer.toString()).build());
        long leaderCommit = servers.get(leader()).raftStatus().commitIndex();
        Awaiting.until(() -> servers.get("n4").raftStatus().appliedIndex() >= leaderCommit
                        && servers.get("n4").clientAddressOf("n4").isPresent(), AWAIT,
                () -> "n4 caught up to " + leaderCommit + ": " + servers.get("n4").raftStatus());
        StatusResponse n4Status = cluster("n4").status(StatusRequest.getDefaultInstance());
        assertTrue(n4Status.getIsLearner());
        assertEquals(bytes("v19"), kv("n4").get(GetRequest.newBuilder().setPath("/k19").build()).getValue());

        Awaiting.succeeds(() -> cluster("n4").memberPromote(MemberPromoteRequest.newBuilder().setName("n4")
                .build()), AWAIT);
        MemberListResponse list = Awaiting.succeeds(() -> {
            MemberListResponse l = cluster("n4").memberList(MemberListRequest.getDefaultInstance());
            assertTrue(l.getMembersList().stream().allMatch(Member::getProgressKnown), l.toString());
            return l;
        }, AWAIT);
        assertEquals(List.of("n1", "n2", "n3", "n4"), list.getMembersList().stream().map(Member::getName).toList());
        assertTrue(list.getMembersList().stream().allMatch(m -> m.getRole() == MemberRole.MEMBER_ROLE_VOTER));
        assertEquals(1, list.getMembersList().stream().filter(Member::getIsLeader).count());
        assertEquals(n4Peer.toString(), member(list, "n4").getPeerAddress());
        assertEquals(servers.get("n4").clientAddress().toString(), member(list, "n4").getClientAddress());

        // Remove a follower that is not n4.
        String removed = servers.keySet().stream().filter(n -> !n.equals("n4") && !n.equals(leader()))
                .findFirst().orElseThrow();
        cluster("n4").memberRemove(MemberRemoveRequest.newBuilder().setName(removed).build());
        close(removed);
        assertFalse(cluster(leader()).status(StatusRequest.getDefaultInstance()).getVotersList().contains(removed),
                "the leader applied the removal of " + removed + " before answering");

        // Leadership to a named member, then to the most up-to-date voter.
        String toN4 = Awaiting.succeeds(() -> cluster(aFollower()).leaderTransfer(LeaderTransferRequest.newBuilder()
                .setTarget("n4").build()).getLeader(), AWAIT);
        assertEquals("n4", toN4);
        Awaiting.until(() -> servers.get("n4").raftStatus().role() == Role.LEADER, AWAIT, () -> "n4 leads");
        String next = Awaiting.succeeds(() -> cluster("n4").leaderTransfer(LeaderTransferRequest.getDefaultInstance())
                .getLeader(), AWAIT);
        assertNotEquals("n4", next);
        Awaiting.until(() -> servers.get(next).raftStatus().role() == Role.LEADER, AWAIT, () -> next + " leads");

        // Remove the current leader, asking a follower: leadership moves first, then it is removed.
        String oldLeader = leader();
        String asked = aFollower();
        cluster(asked).memberRemove(MemberRemoveRequest.newBuilder().setName(oldLeader).build());
        Awaiting.until(() -> {
            String now = servers.get(asked).raftStatus().leaderId();
            return now != null && !now.equals(oldLeader);
        }, AWAIT, () -> "leadership left " + oldLeader);
        StatusResponse after = cluster(asked).status(StatusRequest.getDefaultInstance());
        assertFalse(after.getVotersList().contains(oldLeader), after.toString());
        close(oldLeader);
        awaitOneLeader();
        Awaiting.succeeds(() -> kv(asked).put(PutRequest.newBuilder().setPath("/after-removal")
                .setValue(bytes("x")).build()), AWAIT);
        for (String name : servers.keySet()) {
            assertEquals(bytes("x"), kv(name).get(GetRequest.newBuilder().setPath("/after-removal").build())
                    .getValue(), name);
        }
        assertEquals(2, servers.size());
    }

    @Test
    void errorPathsCarryTheirReasons() {
        String follower = aFollower();
        assertReason(ErrorCode.MEMBER_NOT_FOUND, Status.Code.NOT_FOUND, () -> cluster(follower).memberPromote(
                MemberPromoteRequest.newBuilder().setName("nope").build()));
        assertReason(ErrorCode.MEMBER_NOT_FOUND, Status.Code.NOT_FOUND, () -> cluster(follower).memberRemove(
                MemberRemoveRequest.newBuilder().setName("nope").build()));
        assertReason(ErrorCode.MEMBER_EXISTS, Status.Code.ALREADY_EXISTS, () -> cluster(follower).memberAdd(
                MemberAddRequest.newBuilder().setName("n1").setPeerAddress("127.0.0.1:1").build()));
        assertReason(ErrorCode.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT, () -> cluster(follower).memberAdd(
                MemberAddRequest.newBuilder().setName("n5").setPeerAddress("no-port").build()));
        assertReason(ErrorCode.MEMBER_NOT_FOUND, Status.Code.NOT_FOUND, () -> cluster(follower).leaderTransfer(
                LeaderTransferRequest.newBuilder().setTarget("nope").build()));

        // A learner nobody runs: it never catches up, cannot be promoted and cannot lead.
        HostPort nowhere = TestServers.freePeerAddress();
        cluster(follower).memberAdd(MemberAddRequest.newBuilder().setName("n5").setPeerAddress(nowhere.toString())
                .build());
        // Adding it again with the same address is a no-op (a retried add succeeds).
        cluster(follower).memberAdd(MemberAddRequest.newBuilder().setName("n5").setPeerAddress(nowhere.toString())
                .build());
        assertReason(ErrorCode.NOT_VOTER, Status.Code.FAILED_PRECONDITION, () -> cluster(follower).leaderTransfer(
                LeaderTransferRequest.newBuilder().setTarget("n5").build()));
        assertReason(ErrorCode.LEARNER_BEHIND, Status.Code.FAILED_PRECONDITION, () -> cluster(follower)
                .memberPromote(MemberPromoteRequest.newBuilder().setName("n5").build()));
        Awaiting.succeeds(() -> cluster(follower).memberRemove(MemberRemoveRequest.newBuilder().setName("n5")
                .build()), AWAIT);
        assertFalse(cluster(leader()).status(StatusRequest.getDefaultInstance()).getLearnersList().contains("n5"));
    }

    private static void assertReason(ErrorCode reason, Status.Code code, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertEquals(Optional.of(reason), ErrorTrailers.reason(e), e.toString());
    }

    private static Member member(MemberListResponse list, String name) {
        return list.getMembersList().stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    private void add(KvServer server) {
        servers.put(server.config().name(), server);
        channels.put(server.config().name(), TestServers.channel(server.clientAddress()));
    }

    private void close(String name) {
        channels.remove(name).shutdownNow();
        servers.remove(name).close();
    }

    /** The member that reports itself leader; call it only outside polls (it fails when there is none). */
    private String leader() {
        return servers.values().stream().filter(s -> s.raftStatus().role() == Role.LEADER)
                .map(s -> s.config().name()).findFirst().orElseThrow(() -> new AssertionError("no leader"));
    }

    private String aFollower() {
        String leader = leader();
        return servers.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    }

    /** One leader that every running member follows, and whose client address every member knows. */
    private void awaitOneLeader() {
        Supplier<String> what = () -> servers.values().stream().map(s -> s.raftStatus().toString()).toList()
                .toString();
        Awaiting.until(() -> {
            List<String> leaders = servers.values().stream().filter(s -> s.raftStatus().role() == Role.LEADER)
                    .map(s -> s.config().name()).toList();
            return leaders.size() == 1 && servers.values().stream().allMatch(s ->
                    leaders.get(0).equals(s.raftStatus().leaderId()) && s.clientAddressOf(leaders.get(0)).isPresent());
        }, AWAIT, what);
    }

    private ClusterGrpc.ClusterBlockingStub cluster(String name) {
        return ClusterGrpc.newBlockingStub(channels.get(name)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private KVGrpc.KVBlockingStub kv(String name) {
        return KVGrpc.newBlockingStub(channels.get(name)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
