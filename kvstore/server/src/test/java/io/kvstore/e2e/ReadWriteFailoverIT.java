package io.kvstore.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import io.kvstore.client.ReadConsistency;
import io.kvstore.client.Znode;
import io.kvstore.server.testing.Awaiting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three kvserver processes: a write through one member is read linearizably through another, and writes keep being
 * acknowledged across a {@code kill -9} of the leader; the killed member restarts on its data and catches up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadWriteFailoverIT {
    /** Writes of the failover scenario; the leader dies once a quarter of them are acknowledged. */
    private static final int WRITES = 400;
    private static final int WRITES_BEFORE_KILL = 100;
    private static final Duration AWAIT = Duration.ofSeconds(30);

    private ProcessCluster cluster;

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    void start(@TempDir Path root) {
        cluster = ProcessCluster.start(root, 3);
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void writeThroughOneMemberIsReadLinearizablyThroughAnother() {
        ServerProcess leader = cluster.awaitLeader();
        ServerProcess follower = cluster.aFollower(leader);
        ServerProcess other = cluster.members().stream().filter(m -> m != leader && m != follower).findFirst()
                .orElseThrow();
        KvClient viaFollower = cluster.client(List.of(follower.clientAddress().toString()));
        KvClient viaOther = cluster.client(List.of(other.clientAddress().toString()));
        KvClient viaLeader = cluster.client(List.of(leader.clientAddress().toString()));
        viaFollower.put("/rw/x", bytes("0"), PutOptions.DEFAULT.withMakeParents());
        for (int i = 1; i <= 50; i++) {
            KvClient writer = i % 2 == 0 ? viaFollower : viaLeader;
            long revision = writer.put("/rw/x", bytes(Integer.toString(i))).revision();
            // No wait between the write's acknowledgement and the read: linearizable means it must be visible.
            Znode read = viaOther.get("/rw/x", ReadConsistency.LINEARIZABLE);
            assertEquals(Integer.toString(i), read.valueUtf8(), "read through " + other.name() + " after write " + i);
            assertTrue(read.revision() >= revision, "read revision " + read.revision() + " < write " + revision);
            assertEquals(i + 1, read.stat().version());
        }
    }

    @Test
    void leaderKilledWhileWritingThenWritesContinueAndTheRestartedMemberCatchesUp() throws Exception {
        ServerProcess leader = cluster.awaitLeader();
        KvClient writer = cluster.client(cluster.endpoints());
        writer.put("/failover", new byte[0], PutOptions.DEFAULT.withMakeParents());
        AtomicInteger acknowledged = new AtomicInteger();
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < WRITES; i++) {
                // Every write must be acknowledged: the client retries for 15 s, a failover takes well under 1 s.
                writer.put(key(i), value(i));
                acknowledged.incrementAndGet();
            }
        });
        Awaiting.until(() -> acknowledged.get() >= WRITES_BEFORE_KILL || writes.isDone(), AWAIT,
                () -> acknowledged.get() + " writes acknowledged");
        int acknowledgedAtKill = acknowledged.get();
        leader.kill();

        ServerProcess newLeader = cluster.awaitLeader();
        assertNotSame(leader, newLeader);
        writes.get(AWAIT.toSeconds() * 2, TimeUnit.SECONDS);
        assertEquals(WRITES, acknowledged.get());
        assertTrue(acknowledgedAtKill < WRITES, "the leader died while writes were still coming");

        leader.start();
        Awaiting.until(() -> java.util.Arrays.equals(valueOn(leader, key(WRITES - 1)), value(WRITES - 1)), AWAIT,
                () -> leader.name() + " caught up to the last write");
        for (ServerProcess member : cluster.members()) {
            for (int i = 0; i < WRITES; i++) {
                assertEquals(new String(value(i), UTF_8), new String(valueOn(member, key(i)), UTF_8),
                        key(i) + " on " + member.name());
            }
        }
        KvClient viaRestarted = cluster.client(List.of(leader.clientAddress().toString()));
        assertEquals(WRITES, viaRestarted.list("/failover").size());
    }

    /** The value of {@code path} in {@code member}'s own state (a serializable read), or empty bytes. */
    private byte[] valueOn(ServerProcess member, String path) {
        try {
            GetResponse get = cluster.stub(member).get(GetRequest.newBuilder().setPath(path).setSerializable(true)
                    .build());
            return get.getValue().toByteArray();
        } catch (StatusRuntimeException notThereYet) {
            return new byte[0];
        }
    }

    private static String key(int i) {
        return String.format("/failover/k%04d", i);
    }

    private static byte[] value(int i) {
        return bytes("value-" + i);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
