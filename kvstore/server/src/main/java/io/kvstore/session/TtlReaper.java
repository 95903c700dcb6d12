package io.kvstore.session;

import io.kvstore.raft.RaftNode;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.KvStateMachine.TtlZnodeState;
import io.kvstore.store.Limits;
import io.kvstore.store.ZPath;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.ExpireTtlZnodes;
import io.kvstore.store.command.TtlZnode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's TTL znode countdowns. For each TTL znode it remembers the mod_revision it last saw and when it first
 * saw it (monotonic clock); a write changes the mod_revision and so restarts the countdown. When a znode without
 * children kept one mod_revision for its TTL, {@link #tick()} proposes {@code ExpireTtlZnodes} naming that
 * mod_revision: every member deletes it only if it is still unchanged, so a write racing the expiry wins. A new
 * leader starts from nothing: every TTL znode gets its full TTL from the moment it became leader.
 *
 * <p>Threads: {@link #tick()} from the server's one scheduler thread only.
 */
public final class TtlReaper {

    private static final Logger log = LoggerFactory.getLogger(TtlReaper.class);
    private static final long PROPOSE_TIMEOUT_MILLIS = 5_000;

    private record Seen(long modRevision, long sinceNanos) {
    }

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final LongSupplier nanoClock;
    private final Map<ZPath, Seen> seen = new HashMap<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private long trackingTerm = -1;

    public TtlReaper(MemberDirectory members, RaftNode raft, KvStateMachine store, LongSupplier nanoClock) {
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.nanoClock = nanoClock;
    }

    /** Updates countdowns and proposes expiries. Never blocks. */
    public void tick() {
        long term = members.status().term();
        if (!members.isLeader() || trackingTerm != term) {
            seen.clear();
            trackingTerm = members.isLeader() ? term : -1;
            if (trackingTerm < 0) {
                return;
            }
        }
        long now = nanoClock.getAsLong();
        Set<ZPath> present = new HashSet<>();
        ExpireTtlZnodes.Builder expire = ExpireTtlZnodes.newBuilder();
        for (TtlZnodeState z : store.ttlZnodes()) {
            present.add(z.path());
            Seen s = seen.get(z.path());
            if (s == null || s.modRevision() != z.modRevision()) {
                seen.put(z.path(), new Seen(z.modRevision(), now));
            } else if (now - s.sinceNanos() >= TimeUnit.MILLISECONDS.toNanos(z.ttlMillis()) && z.numChildren() == 0
                    && expire.getZnodeCount() < Limits.EXPIRE_BATCH_MAX) {
                expire.addZnode(TtlZnode.newBuilder().setPath(z.path().value()).setModRevision(z.modRevision()));
            }
        }
        seen.keySet().retainAll(present);
        if (expire.getZnodeCount() > 0 && inFlight.compareAndSet(false, true)) {
            log.debug("member {} expires {} TTL znodes", members.self(), expire.getZnodeCount());
            raft.propose(Command.newBuilder().setExpireTtlZnodes(expire).build().toByteString())
                    .orTimeout(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .whenComplete((result, error) -> inFlight.set(false));
        }
    }
}
