package io.kvstore.session;

import io.kvstore.raft.RaftNode;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.KvStateMachine.LiveSession;
import io.kvstore.store.Limits;
import io.kvstore.store.command.CheckpointSessions;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.ExpireSessions;
import io.kvstore.store.command.SessionCheckpoint;
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
 * does not yet, forgets ended ones, and proposes one {@code ExpireSessions} with up to
 * {@link Limits#EXPIRE_BATCH_MAX} sessions whose deadline passed. At most one expiry is in flight; the next tick
 * proposes again if it failed. Deadlines themselves are not replicated: a member that is not leader holds none.
 *
 * <p><b>Checkpoints</b> (etcd #9395; docs/server.md, "Leader change (grace period)"). Every
 * {@link #CHECKPOINT_INTERVAL_MILLIS} the leader proposes one {@code CheckpointSessions} with the remaining time of
 * up to {@link Limits#CHECKPOINT_BATCH_MAX} sessions that were never checkpointed or whose remaining time moved by at
 * least {@link #CHECKPOINT_MIN_CHANGE_MILLIS} since their last checkpoint. A session is adopted with deadline
 * {@code now + min(TTL, checkpoint + GRACE_MILLIS)}, or {@code now + TTL} when it was never checkpointed (a new open).
 * The grace is not checkpointed: the next checkpoint carries {@code checkpoint - elapsed}, so a dead client's
 * countdown keeps falling across leaders and its session expires once a leader holds for {@link #GRACE_MILLIS}, no
 * matter how often leadership changed before. Keepalives are not logged: they restart the countdown in memory and the
 * next checkpoint records it.
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
    /**
     * How often the leader checkpoints countdowns. A new leader's view is at most this (plus one commit) stale, so a
     * dead client's session may outlive its TTL by about this much per leader change; every 2 s keeps that small
     * while costing at most one small log entry per interval (none when nothing moved).
     */
    static final long CHECKPOINT_INTERVAL_MILLIS = 2_000;
    /**
     * A session is checkpointed again only when its remaining time moved by at least this much: a healthy session's
     * countdown oscillates between TTL and TTL*2/3 (keepalives every TTL/3), and re-logging each wiggle would be a
     * log entry per session per interval for nothing.
     */
    static final long CHECKPOINT_MIN_CHANGE_MILLIS = 1_000;
    /**
     * Added to a checkpointed remaining time by a new leader (never beyond the TTL): enough for a healthy client,
     * which sends a keepalive every TTL/3 and retries on NOT_LEADER, to find the new leader and send one keepalive,
     * and it covers a keepalive the old leader acknowledged after its last checkpoint. It also bounds liveness: a dead
     * client's session expires once some leader holds for this long; if leadership changes faster than this forever,
     * it does not (docs/server.md).
     */
    static final long GRACE_MILLIS = 2_000;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final LongSupplier nanoClock;
    private final Map<Long, Long> deadlineNanos = new ConcurrentHashMap<>();
    /** Grace this leader added on adoption, per session, excluded from checkpoints; a keepalive drops it. */
    private final Map<Long, Long> graceNanos = new ConcurrentHashMap<>();
    /** The remaining time this leader last proposed (or found stored) per session. */
    private final Map<Long, Long> checkpointedMillis = new ConcurrentHashMap<>();
    private final AtomicBoolean expiryInFlight = new AtomicBoolean();
    private final AtomicBoolean checkpointInFlight = new AtomicBoolean();
    private long lastCheckpointNanos;
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
            clearCountdowns();
            return false;
        }
        long term = members.status().term();
        if (trackingTerm != term) {
            clearCountdowns();
            trackingTerm = term;
            // The first tick checkpoints at once: the next leader should not start from an older view.
            lastCheckpointNanos = nanoClock.getAsLong() - TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_INTERVAL_MILLIS);
            log.info("member {} tracks sessions as leader in term {}: each gets min(TTL, checkpoint + {} ms) from now",
                    members.self(), term, GRACE_MILLIS);
        }
        return true;
    }

    private void clearCountdowns() {
        deadlineNanos.clear();
        graceNanos.clear();
        checkpointedMillis.clear();
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
        graceNanos.remove(sessionId);
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
            long deadline = deadlineNanos.computeIfAbsent(s.id(), id -> adopt(s, now));
            if (deadline - now <= 0 && expired.size() < Limits.EXPIRE_BATCH_MAX) {
                expired.add(s.id());
            }
        }
        deadlineNanos.keySet().retainAll(liveIds);
        graceNanos.keySet().retainAll(liveIds);
        checkpointedMillis.keySet().retainAll(liveIds);
        checkpoint(live, now);
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

    /** The deadline of a session this leader does not track yet: from its checkpoint plus grace, or its full TTL. */
    private long adopt(LiveSession s, long now) {
        long ttl = TimeUnit.MILLISECONDS.toNanos(s.ttlMillis());
        if (s.checkpointMillis() < 0) {
            return now + ttl;
        }
        checkpointedMillis.put(s.id(), s.checkpointMillis());
        long base = TimeUnit.MILLISECONDS.toNanos(s.checkpointMillis());
        long granted = Math.min(ttl, base + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS));
        graceNanos.put(s.id(), granted - base);
        return now + granted;
    }

    /** Proposes the countdowns that moved, when a checkpoint is due and none is in flight. */
    private void checkpoint(List<LiveSession> live, long now) {
        if (now - lastCheckpointNanos < TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_INTERVAL_MILLIS)
                || checkpointInFlight.get()) {
            return;
        }
        CheckpointSessions.Builder batch = CheckpointSessions.newBuilder();
        for (LiveSession s : live) {
            if (batch.getCheckpointCount() >= Limits.CHECKPOINT_BATCH_MAX) {
                break; // the rest next interval
            }
            Long deadline = deadlineNanos.get(s.id());
            if (deadline == null) {
                continue;
            }
            long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(
                    deadline - graceNanos.getOrDefault(s.id(), 0L) - now));
            Long last = checkpointedMillis.get(s.id());
            if (last == null || Math.abs(remaining - last) >= CHECKPOINT_MIN_CHANGE_MILLIS
                    || (remaining == 0 && last != 0)) {
                batch.addCheckpoint(SessionCheckpoint.newBuilder().setSessionId(s.id()).setRemainingMillis(remaining));
            }
        }
        lastCheckpointNanos = now;
        if (batch.getCheckpointCount() == 0 || !checkpointInFlight.compareAndSet(false, true)) {
            return;
        }
        List<SessionCheckpoint> sent = batch.getCheckpointList();
        sent.forEach(c -> checkpointedMillis.put(c.getSessionId(), c.getRemainingMillis()));
        Command command = Command.newBuilder().setCheckpointSessions(batch).build();
        raft.propose(command.toByteString()).orTimeout(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((result, error) -> {
                    checkpointInFlight.set(false);
                    if (error != null) {
                        // Proposed again next interval (as never checkpointed by this leader).
                        sent.forEach(c -> checkpointedMillis.remove(c.getSessionId(), c.getRemainingMillis()));
                        log.debug("checkpoint of {} sessions not committed: {}", sent.size(), error.toString());
                    }
                });
    }
}
