package io.kvstore.session;

import io.kvstore.raft.RaftNode;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.KvStateMachine.LiveSession;
import io.kvstore.store.Limits;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.ExpireSessions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's session countdowns. Holds, for each live session, the monotonic time by which a keepalive must come;
 * a keepalive restarts it at the session's full TTL. {@link #tick()} adopts sessions the store has and this tracker
 * does not yet (a new open, or every session right after this member became leader: the grace period is their full
 * TTL from that moment), forgets ended ones, and proposes one {@code ExpireSessions} with up to
 * {@link Limits#EXPIRE_BATCH_MAX} sessions whose deadline passed. At most one expiry is in flight; the next tick
 * proposes again if it failed. Nothing here is replicated: a member that is not leader holds no deadlines.
 *
 * <p>A keepalive that arrives after the expiry was proposed does not save the session: the expiry commits and the
 * next keepalive answers {@code expired}. The client's own deadline (it stops trusting the session at
 * {@code last acknowledged keepalive + TTL}) is what keeps this safe.
 *
 * <p>Threads: {@link #tick()} from the server's one scheduler thread; {@link #keepAlive} and {@link #remainingMillis}
 * from gRPC threads; the first two are synchronized (a tick reads the session list from RocksDB, a few ms at most).
 */
public final class SessionTracker {

    private static final Logger log = LoggerFactory.getLogger(SessionTracker.class);
    /** How long an expiry proposal may take before the next tick may propose again. */
    private static final long PROPOSE_TIMEOUT_MILLIS = 5_000;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final LongSupplier nanoClock;
    private final Map<Long, Long> deadlineNanos = new ConcurrentHashMap<>();
    private final AtomicBoolean expiryInFlight = new AtomicBoolean();
    /** The term in which this member leads and tracks, or -1 when it does not. */
    private volatile long trackingTerm = -1;

    /** @param nanoClock monotonic nanoseconds ({@code System::nanoTime}; a fake one in tests) */
    public SessionTracker(MemberDirectory members, RaftNode raft, KvStateMachine store, LongSupplier nanoClock) {
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.nanoClock = nanoClock;
    }

    /** Whether this member currently leads, so tracks sessions (keepalives must go to it). */
    public boolean tracking() {
        return members.isLeader();
    }

    /**
     * Starts a fresh countdown set when this member leads in a term it did not track yet, and drops it when it does
     * not lead. Returns whether it tracks.
     */
    private synchronized boolean followLeadership() {
        if (!members.isLeader()) {
            if (trackingTerm >= 0) {
                log.info("member {} stopped tracking sessions: no longer leader", members.self());
            }
            trackingTerm = -1;
            deadlineNanos.clear();
            return false;
        }
        long term = members.status().term();
        if (trackingTerm != term) {
            deadlineNanos.clear();
            trackingTerm = term;
            log.info("member {} tracks sessions as leader in term {}: each gets its full TTL from now",
                    members.self(), term);
        }
        return true;
    }

    /**
     * Restarts the countdown of a live session.
     *
     * @return the session's TTL in milliseconds, or empty when it is not live (expired, closed, never opened)
     * @throws IllegalStateException when this member is not tracking ({@link #tracking()} is false)
     */
    public synchronized OptionalLong keepAlive(long sessionId) {
        if (!followLeadership()) {
            throw new IllegalStateException("member " + members.self() + " is not the leader");
        }
        var session = store.session(sessionId);
        if (session.isEmpty()) {
            deadlineNanos.remove(sessionId);
            return OptionalLong.empty();
        }
        long ttl = session.get().ttlMillis();
        deadlineNanos.put(sessionId, nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(ttl));
        return OptionalLong.of(ttl);
    }

    /** Milliseconds before this leader expires the session; empty when it does not track it. */
    public OptionalLong remainingMillis(long sessionId) {
        Long deadline = deadlineNanos.get(sessionId);
        if (!tracking() || deadline == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - nanoClock.getAsLong())));
    }

    /** Adopts new sessions, forgets ended ones, proposes expiries. Never blocks. */
    public synchronized void tick() {
        if (!followLeadership()) {
            return;
        }
        long now = nanoClock.getAsLong();
        List<LiveSession> live = store.sessions();
        Set<Long> liveIds = new HashSet<>();
        List<Long> expired = new ArrayList<>();
        for (LiveSession s : live) {
            liveIds.add(s.id());
            long deadline = deadlineNanos.computeIfAbsent(s.id(),
                    id -> now + TimeUnit.MILLISECONDS.toNanos(s.ttlMillis()));
            if (deadline - now <= 0 && expired.size() < Limits.EXPIRE_BATCH_MAX) {
                expired.add(s.id());
            }
        }
        deadlineNanos.keySet().retainAll(liveIds);
        if (!expired.isEmpty() && expiryInFlight.compareAndSet(false, true)) {
            log.info("member {} expires sessions {}", members.self(), expired);
            Command expire = Command.newBuilder()
                    .setExpireSessions(ExpireSessions.newBuilder().addAllSessionId(expired)).build();
            raft.propose(expire.toByteString()).orTimeout(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .whenComplete((result, error) -> {
                        expiryInFlight.set(false);
                        if (error != null) {
                            log.debug("expiry of sessions {} not committed: {}", expired, error.toString());
                        }
                    });
        }
    }
}
