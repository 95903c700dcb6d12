package io.kvstore.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.client.CreateOptions;
import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import io.kvstore.server.member.MemberIds;
import io.kvstore.server.testing.Awaiting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three kvserver processes: a client's session (TTL 3 s) with three ephemeral znodes survives a {@code kill -9} of
 * the leader. The {@link Session} reconnects its keepalives to the new leader by itself; for at least two TTLs after
 * the kill, and until a new leader exists, the session never becomes EXPIRED and both surviving members keep the
 * ephemerals. Closing the session then deletes them on both survivors.
 */
class SessionLeaderKillIT {
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final int EPHEMERALS = 3;
    private static final Duration AWAIT = Duration.ofSeconds(30);
    /** Pacing between checks of the observation loop (its exit is a condition and a deadline, not this pause). */
    private static final long CHECK_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    @TempDir
    Path root;
    private ProcessCluster cluster;

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close(); // stops only the members this cluster started
        }
    }

    @Test
    void sessionAndItsEphemeralsSurviveAKilledLeaderThenCloseDeletesThem() {
        cluster = ProcessCluster.start(root, 3);
        ServerProcess leader = cluster.awaitLeader();
        KvClient client = cluster.client(cluster.endpoints());
        client.create("/slk", new byte[0], CreateOptions.DEFAULT);

        Session session = client.openSession(TTL);
        List<Session.State> seen = new CopyOnWriteArrayList<>();
        session.addListener(seen::add);
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < EPHEMERALS; i++) {
            paths.add(session.createEphemeral("/slk/e" + i, ("v" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .path());
        }
        for (ServerProcess member : cluster.members()) {
            Awaiting.until(() -> owned(member, paths, session.id()) == EPHEMERALS, AWAIT,
                    () -> member.name() + " has applied the " + EPHEMERALS + " ephemerals");
        }
        assertEquals(Session.State.CONNECTED, session.state());

        List<ServerProcess> survivors = cluster.members().stream().filter(m -> m != leader).toList();
        leader.kill(); // kill -9 through this test's own Process handle
        long killedAt = System.nanoTime();
        long windowEnd = killedAt + 2 * TTL.toNanos();
        long deadline = killedAt + AWAIT.toNanos();

        // Observe until both: 2 x TTL have passed since the kill, and the survivors agree on a new leader.
        Map<String, Integer> successfulReads = new HashMap<>();
        ServerProcess newLeader = null;
        long newLeaderAtNanos = 0;
        while (System.nanoTime() - windowEnd < 0 || newLeader == null) {
            assertTrue(System.nanoTime() - deadline < 0, "no new leader within " + AWAIT + " of the kill");
            assertNotEquals(Session.State.EXPIRED, session.state(), "session expired during the failover");
            assertFalse(session.expired().isDone(), "session expired during the failover");
            for (ServerProcess member : survivors) {
                int owned = owned(member, paths, session.id());
                if (owned >= 0) { // -1: the member did not answer this time (it still must later)
                    assertEquals(EPHEMERALS, owned, member.name() + " lost ephemerals "
                            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms after the kill");
                    successfulReads.merge(member.name(), 1, Integer::sum);
                }
            }
            if (newLeader == null) {
                newLeader = agreedLeader(survivors).orElse(null);
                if (newLeader != null) {
                    newLeaderAtNanos = System.nanoTime();
                }
            }
            LockSupport.parkNanos(CHECK_PAUSE_NANOS);
        }
        assertNotSame(leader, newLeader);
        assertNotSame(leader, cluster.awaitLeader());
        for (ServerProcess member : survivors) {
            assertTrue(successfulReads.getOrDefault(member.name(), 0) > 0, member.name() + " answered no read");
        }
        assertFalse(seen.contains(Session.State.EXPIRED), "states seen: " + seen);
        // A keepalive sent after the kill was acknowledged (by the new leader): the session is CONNECTED again.
        Awaiting.until(() -> session.state() == Session.State.CONNECTED && session.validUntilNanos() - killedAt
                > TTL.toNanos(), AWAIT, () -> "a post-failover keepalive acknowledged; state " + session.state());
        System.out.printf("SessionLeaderKillIT: killed %s; new leader %s after %d ms; observed %d ms; states seen %s;"
                + " reads %s%n", leader.name(), newLeader.name(),
                TimeUnit.NANOSECONDS.toMillis(newLeaderAtNanos - killedAt),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), seen, successfulReads);

        session.close();
        assertTrue(session.expired().isDone());
        for (ServerProcess member : survivors) {
            Awaiting.until(() -> owned(member, paths, session.id()) == 0, AWAIT,
                    () -> member.name() + " deleted the closed session's ephemerals");
        }
    }

    /**
     * How many of {@code paths} exist on {@code member} (a serializable read it answers from its own state) owned by
     * session {@code id}; -1 when the member does not answer.
     */
    private int owned(ServerProcess member, List<String> paths, long id) {
        int owned = 0;
        try {
            for (String path : paths) {
                ExistsResponse exists = cluster.stub(member).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .exists(ExistsRequest.newBuilder().setPath(path).setSerializable(true).build());
                if (exists.getExists()) {
                    assertEquals(id, exists.getStat().getEphemeralSessionId(), path + " owner on " + member.name());
                    owned++;
                }
            }
            return owned;
        } catch (StatusRuntimeException e) {
            return -1;
        }
    }

    /** The survivor both survivors name as leader, once it names itself too. */
    private Optional<ServerProcess> agreedLeader(List<ServerProcess> survivors) {
        Long leaderId = null;
        for (ServerProcess m : survivors) {
            Optional<ResponseHeader> header = cluster.header(m);
            if (header.isEmpty() || header.get().getLeaderId() == 0
                    || (leaderId != null && leaderId != header.get().getLeaderId())) {
                return Optional.empty();
            }
            leaderId = header.get().getLeaderId();
        }
        long id = leaderId;
        return survivors.stream().filter(m -> MemberIds.numeric(m.name()) == id).findFirst()
                .filter(l -> cluster.header(l).map(h -> h.getMemberId() == h.getLeaderId()).orElse(false));
    }
}
