package io.kvstore.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.ErrorCode;
import io.kvstore.client.DistributedLock;
import io.kvstore.client.ElectionLeader;
import io.kvstore.client.FencingToken;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.KvPreconditionException;
import io.kvstore.client.LeaderElection;
import io.kvstore.client.PutOptions;
import io.kvstore.client.ReadWriteLock;
import io.kvstore.client.Session;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's lock and election recipes against a real single-member server over loopback. */
class LockClientTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void lockSemaphoreAndReadWriteLock() throws IOException {
        try (KvServer server = KvServer.start(TestServers.single(dir)); KvClient kv = client(server);
             Session session = kv.openSession(Duration.ofSeconds(30))) {
            DistributedLock a = kv.lock("job", session);
            DistributedLock b = kv.lock("job", session);
            assertTrue(a.acquire(Duration.ofSeconds(10)));
            FencingToken token = a.fencingToken();
            kv.fenced(token).put("/guarded", bytes("1"), PutOptions.DEFAULT);
            assertFalse(b.tryAcquire());
            assertFalse(b.acquire(Duration.ofMillis(300)), "held by a: times out");
            a.release();
            assertThrows(IllegalStateException.class, a::fencingToken);
            assertTrue(b.acquire(Duration.ofSeconds(10)));
            assertTrue(b.fencingToken().token() > token.token());
            KvPreconditionException fenced = assertThrows(KvPreconditionException.class,
                    () -> kv.fenced(token).put("/guarded", bytes("stale"), PutOptions.DEFAULT));
            assertEquals(ErrorCode.FENCED, fenced.reason().orElseThrow());
            assertEquals("1", kv.get("/guarded").valueUtf8());
            b.release();

            DistributedLock p1 = kv.semaphore("pool", 2, session);
            DistributedLock p2 = kv.semaphore("pool", 2, session);
            DistributedLock p3 = kv.semaphore("pool", 2, session);
            assertTrue(p1.tryAcquire() && p2.tryAcquire());
            assertFalse(p3.tryAcquire());
            p1.release();
            assertTrue(p3.tryAcquire());
            p2.release();
            p3.release();

            ReadWriteLock rw = kv.readWriteLock("table", session);
            ReadWriteLock rw2 = kv.readWriteLock("table", session);
            assertTrue(rw.readLock().tryAcquire() && rw2.readLock().tryAcquire(), "readers share");
            assertFalse(kv.readWriteLock("table", session).writeLock().tryAcquire());
            rw.readLock().release();
            rw2.readLock().release();
            assertTrue(rw.writeLock().tryAcquire());
            rw.writeLock().release();

            KvInvalidArgumentException bad = assertThrows(KvInvalidArgumentException.class,
                    () -> kv.lock("no/slash", session).tryAcquire());
            assertEquals(ErrorCode.INVALID_LOCK_NAME, bad.reason().orElseThrow());
        }
    }

    @Test
    void electionCampaignObserveProclaimResign() throws Exception {
        try (KvServer server = KvServer.start(TestServers.single(dir)); KvClient kv = client(server);
             Session s1 = kv.openSession(Duration.ofSeconds(30));
             Session s2 = kv.openSession(Duration.ofSeconds(30))) {
            LeaderElection one = kv.election("svc", s1);
            LeaderElection two = kv.election("svc", s2);
            List<String> observed = new CopyOnWriteArrayList<>();
            AutoCloseable observation = kv.election("svc", s1).observe(l -> observed.add(l.valueUtf8()));
            assertTrue(one.campaign(bytes("one"), Duration.ofSeconds(10)));
            assertEquals(LeaderElection.State.LEADER, one.state());
            assertFalse(two.campaign(bytes("two"), Duration.ofMillis(300)));
            one.proclaim(bytes("one-b"));
            ElectionLeader leader = one.leader().orElseThrow();
            assertEquals("one-b", leader.valueUtf8());
            assertEquals(one.fencingToken(), leader.fencingToken());
            one.resign();
            assertEquals(LeaderElection.State.NOT_LEADER, one.state());
            assertTrue(two.campaign(bytes("two"), Duration.ofSeconds(10)));
            Awaiting.until(() -> observed.equals(List.of("one", "one-b", "two")), AWAIT,
                    () -> "observed " + observed);
            observation.close();
            two.resign();
            assertTrue(two.leader().isEmpty());
        }
    }

    @Test
    void aLeaderHearsInDoubtBeforeItsSessionExpires() throws IOException {
        KvServer server = KvServer.start(TestServers.single(dir));
        // The session is not closed: its server is gone. The client's short retry deadline bounds the close.
        try (KvClient kv = KvClient.builder().endpoints(server.clientAddress().toString())
                .retryDeadline(Duration.ofSeconds(2)).build()) {
            Session session = kv.openSession(Duration.ofSeconds(30));
            LeaderElection election = kv.election("doubt", session);
            List<LeaderElection.State> states = new CopyOnWriteArrayList<>();
            election.addListener(states::add);
            assertTrue(election.campaign(bytes("me"), Duration.ofSeconds(10)));
            Awaiting.until(() -> states.equals(List.of(LeaderElection.State.LEADER)), AWAIT, () -> "" + states);
            server.close(); // keepalives fail: the session is in doubt long before its 30 s TTL could pass
            Awaiting.until(() -> election.state() == LeaderElection.State.IN_DOUBT, AWAIT,
                    () -> "state " + election.state());
            Awaiting.until(() -> states.equals(List.of(LeaderElection.State.LEADER,
                    LeaderElection.State.IN_DOUBT)), AWAIT, () -> "" + states);
        } finally {
            server.close();
        }
    }

    private static KvClient client(KvServer server) {
        return KvClient.builder().endpoints(server.clientAddress().toString()).build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
