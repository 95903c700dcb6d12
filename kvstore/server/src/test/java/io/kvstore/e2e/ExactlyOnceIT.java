package io.kvstore.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.server.testing.Awaiting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write retried with the same {@code client_id} and {@code sequence} is applied once, whichever member the retry
 * reaches and across a {@code kill -9} of the leader. Raw gRPC stubs, so the test fixes the identity itself
 * (the Java client would pick a fresh one).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExactlyOnceIT {
    /** A retry may meet a member that has not learnt of the new leader yet (UNAVAILABLE): it retries. */
    private static final Duration RETRY = Duration.ofSeconds(20);

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
    void sameCreateSentToAFollowerTheLeaderAndTheNextLeaderIsAppliedOnce() {
        String clientId = "e2e-" + UUID.randomUUID();
        ServerProcess leader = cluster.awaitLeader();
        ServerProcess follower = cluster.aFollower(leader);
        CreateRequest create = CreateRequest.newBuilder().setHeader(identity(clientId, 1)).setPath("/once/create")
                .setValue(ByteString.copyFromUtf8("v")).setMakeParents(true).build();

        CreateResponse first = cluster.stub(follower).create(create);
        CreateResponse viaLeader = cluster.stub(leader).create(create);
        assertSameCreate(first, viaLeader);

        leader.kill();
        ServerProcess next = cluster.awaitLeader();
        assertNotSame(leader, next);
        CreateResponse afterFailover = Awaiting.succeeds(() -> cluster.stub(next).create(create), RETRY);
        assertSameCreate(first, afterFailover);

        GetResponse get = cluster.stub(next).get(GetRequest.newBuilder().setPath("/once/create").build());
        assertEquals(1, get.getStat().getVersion(), "created once, never overwritten");
        assertEquals(first.getHeader().getRevision(), get.getStat().getModRevision(), "the first attempt's write");

        leader.start();
        CreateResponse viaRestarted = Awaiting.succeeds(() -> cluster.stub(leader).create(create), RETRY);
        assertSameCreate(first, viaRestarted);
    }

    @Test
    void samePutSentThreeTimesBumpsTheVersionOnce() {
        String clientId = "e2e-" + UUID.randomUUID();
        ServerProcess leader = cluster.awaitLeader();
        ServerProcess follower = cluster.aFollower(leader);
        KVGrpc.KVBlockingStub toFollower = cluster.stub(follower);
        toFollower.put(PutRequest.newBuilder().setHeader(identity(clientId, 1)).setPath("/once/put")
                .setValue(ByteString.copyFromUtf8("0")).setMakeParents(true).build());
        PutRequest put = PutRequest.newBuilder().setHeader(identity(clientId, 2)).setPath("/once/put")
                .setValue(ByteString.copyFromUtf8("1")).build();

        PutResponse first = cluster.stub(leader).put(put);
        PutResponse second = cluster.stub(follower).put(put);
        PutResponse third = cluster.stub(leader).put(put);
        assertEquals(2, first.getStat().getVersion());
        assertEquals(first.getStat(), second.getStat());
        assertEquals(first.getStat(), third.getStat());
        assertEquals(first.getHeader().getRevision(), third.getHeader().getRevision());
        GetResponse get = toFollower.get(GetRequest.newBuilder().setPath("/once/put").build());
        assertEquals(2, get.getStat().getVersion(), "one bump for three sends");
        assertEquals(first.getHeader().getRevision(), get.getStat().getModRevision());
    }

    private static void assertSameCreate(CreateResponse expected, CreateResponse actual) {
        assertEquals(expected.getPath(), actual.getPath());
        assertEquals(expected.getStat(), actual.getStat());
        assertEquals(expected.getHeader().getRevision(), actual.getHeader().getRevision(),
                "a retry is answered with the original write's revision");
    }

    private static RequestHeader identity(String clientId, long sequence) {
        return RequestHeader.newBuilder().setClientId(clientId).setSequence(sequence).build();
    }
}
