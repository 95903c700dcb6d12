package io.kvstore.raft.sim;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.ProposeResult;
import io.kvstore.raft.core.RaftConfig;
import io.kvstore.raft.core.RaftCore;
import io.kvstore.raft.core.ReadState;
import io.kvstore.raft.core.Ready;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.log.RecoveredLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A whole raft cluster in one thread: real {@link RaftCore}s, a simulated network that drops, duplicates, delays
 * (and so reorders) messages and partitions members, crashes that lose everything not fsynced (sometimes in the
 * middle of handling a Ready: after the leader's appends went out, before its own write), and a client that
 * proposes and reads. Everything random comes from one seed, so a failing run replays exactly.
 *
 * <p>Time is in units; a member ticks every {@link #UNITS_PER_TICK} units at its own phase. A {@link SafetyChecker}
 * runs after every event.
 */
final class SimulatedCluster {
    static final int UNITS_PER_TICK = 10;

    /** Fault rates for the safety phase; all drawn from the seed so runs differ in character. */
    record Faults(double dropP, double duplicateP, int delayUnitsMax, double longDelayP, double crashPerTickP,
                  double midReadyCrashP, double partitionPerTickP, double healPerTickP) {
        static Faults random(RandomGenerator r) {
            return new Faults(r.nextDouble() * 0.2, r.nextDouble() * 0.05, 2 + r.nextInt(40), r.nextDouble() * 0.1,
                    r.nextDouble() * 0.01, r.nextDouble() * 0.05, r.nextDouble() * 0.02, 0.02 + r.nextDouble() * 0.05);
        }

        static final Faults NONE = new Faults(0, 0, 5, 0, 0, 0, 0, 1);
    }

    private final class Member {
        final String id;
        final MemoryLogStore store = new MemoryLogStore();
        final int tickPhase;
        RaftCore core;
        /** The state machine, durable as soon as an entry is applied (it fsyncs its applied index with the data). */
        final List<Entry> applied = new ArrayList<>();
        /** Proposals accepted by this member, by index: acknowledged when the same entry is applied here. */
        final Map<Long, Proposal> proposals = new HashMap<>();
        /** Read requests this member accepted, by request id: the minimum index a correct answer must reach. */
        final Map<Long, Long> reads = new HashMap<>();
        Role lastRole = Role.FOLLOWER;
        long lastTerm;

        Member(String id, int tickPhase) {
            this.id = id;
            this.tickPhase = tickPhase;
        }

        boolean up() {
            return core != null;
        }
    }

    private record Proposal(long index, long term, ByteString data) {}

    private record Event(long time, long seq, Runnable action) {}

    final long seed;
    private final RandomGenerator random;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private final Set<String> blockedLinks = new HashSet<>();
    private final SafetyChecker checker;
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private final boolean traceEnabled;
    private Faults faults;
    private long now;
    private long seq;
    private long nextProposal;
    private long nextReadId;
    private long ackedMaxIndex;
    private final List<Proposal> acked = new ArrayList<>();
    /** What the run exercised, so a test can show the faults really happened. */
    final Map<String, Long> stats = new java.util.TreeMap<>();

    private void count(String what) {
        stats.merge(what, 1L, Long::sum);
    }

    SimulatedCluster(long seed, int size, Faults faults, boolean traceEnabled) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.faults = faults;
        this.traceEnabled = traceEnabled;
        Set<String> ids = new HashSet<>();
        for (int i = 1; i <= size; i++) {
            ids.add("m" + i);
        }
        for (int i = 1; i <= size; i++) {
            Member m = new Member("m" + i, random.nextInt(UNITS_PER_TICK));
            members.put(m.id, m);
        }
        this.checker = new SafetyChecker(this::describe);
        for (Member m : members.values()) {
            start(m, ids);
            scheduleTick(m);
        }
    }

    // ---------------------------------------------------------------- running

    /** Runs the safety phase with faults for {@code ticks}, checking invariants after every event. */
    void runWithFaults(int ticks) {
        long end = now + (long) ticks * UNITS_PER_TICK;
        for (long t = now - now % UNITS_PER_TICK + UNITS_PER_TICK; t < end; t += UNITS_PER_TICK) {
            long at = t;
            schedule(at, this::injectFaults);
            schedule(at + 5, this::clientActs);
        }
        runUntil(end);
    }

    /**
     * The liveness phase: faults stop, every member restarts and every link heals. Within {@code ticksMax} a
     * leader must commit a fresh proposal and every member must apply everything acknowledged.
     */
    void converge(int ticksMax) {
        faults = Faults.NONE;
        blockedLinks.clear();
        Set<String> ids = members.keySet();
        for (Member m : members.values()) {
            if (!m.up()) {
                start(m, ids);
            }
        }
        long deadline = now + (long) ticksMax * UNITS_PER_TICK;
        ByteString marker = ByteString.copyFromUtf8("liveness-" + seed);
        long proposedAt = -1;
        while (now < deadline) {
            runUntil(now + UNITS_PER_TICK);
            if (allApplied(marker)) {
                checker.checkAcknowledgedApplied(acked, appliedLogs());
                return;
            }
            Member leader = leader();
            // (Re)propose when there is a leader and the last attempt is old: an attempt accepted by a leader that
            // was deposed right after may have been overwritten.
            if (leader != null && (proposedAt < 0 || now - proposedAt > 50L * UNITS_PER_TICK)
                    && propose(leader, marker)) {
                proposedAt = now;
            }
        }
        throw new AssertionError("liveness: cluster did not converge within " + ticksMax + " ticks after faults"
                + " stopped; leader=" + (leader() == null ? "none" : leader().id) + "\n" + describe());
    }

    private boolean allApplied(ByteString marker) {
        long target = -1;
        for (Member m : members.values()) {
            List<Entry> log = m.applied;
            boolean has = false;
            for (int i = log.size() - 1; i >= 0 && i >= log.size() - 50; i--) {
                if (log.get(i).data().equals(marker)) {
                    has = true;
                    break;
                }
            }
            if (!has) {
                return false;
            }
            if (target == -1) {
                target = log.size();
            } else if (target != log.size()) {
                return false;
            }
        }
        return true;
    }

    private Member leader() {
        Member found = null;
        for (Member m : members.values()) {
            if (m.up() && m.core.status().role() == Role.LEADER
                    && (found == null || m.core.status().term() > found.core.status().term())) {
                found = m;
            }
        }
        return found;
    }

    private Map<String, List<Entry>> appliedLogs() {
        Map<String, List<Entry>> logs = new HashMap<>();
        members.values().forEach(m -> logs.put(m.id, m.applied));
        return logs;
    }

    private void runUntil(long end) {
        while (!events.isEmpty() && events.peek().time <= end) {
            Event e = events.poll();
            now = e.time;
            e.action.run();
            checkAll();
        }
        now = end;
    }

    private void schedule(long time, Runnable action) {
        events.add(new Event(time, seq++, action));
    }

    private void scheduleTick(Member m) {
        long next = (now / UNITS_PER_TICK + 1) * UNITS_PER_TICK + m.tickPhase;
        schedule(next, () -> {
            if (m.up()) {
                m.core.tick();
                handleReady(m);
            }
            scheduleTick(m);
        });
    }

    // ---------------------------------------------------------------- members

    private void start(Member m, Set<String> ids) {
        RecoveredLog recovered = m.store.recover();
        // Small windows and messages so flow control, batching and probing all happen in short runs.
        RaftConfig config = new RaftConfig(m.id, ids, 10, 2, true, true, 8, 64 * 1024, 4 * 1024, 1 << 20);
        m.core = new RaftCore(config, recovered.hardState(), recovered.entries(), m.applied.size(),
                new SplittableRandom(random.nextLong()));
        m.lastRole = Role.FOLLOWER;
        m.lastTerm = recovered.hardState().term();
        checker.onRestart(m.id, m.core);
        trace("start " + m.id + " term=" + recovered.hardState().term() + " log=" + recovered.entries().size()
                + " applied=" + m.applied.size());
    }

    private void crash(Member m) {
        count("crashes");
        m.core = null;
        m.store.crash();
        m.proposals.clear();
        m.reads.clear();
        trace("crash " + m.id);
        long downUnits = (1 + random.nextInt(60)) * (long) UNITS_PER_TICK;
        Set<String> ids = members.keySet();
        schedule(now + downUnits, () -> {
            if (!m.up()) {
                start(m, ids);
            }
        });
    }

    private void handleReady(Member m) {
        while (m.up() && m.core.hasReady()) {
            Ready r = m.core.ready();
            r.messagesBeforePersist().forEach(this::send);
            if (random.nextDouble() < faults.midReadyCrashP() && r.needsSync()) {
                count("crashesBeforeFsync");
                crash(m);
                return;
            }
            m.store.append(r.entriesToPersist());
            if (r.hardState() != null) {
                m.store.saveHardState(r.hardState());
            }
            m.store.sync();
            checker.onPersisted(m.id, m.core, r.entriesToPersist());
            r.messagesAfterPersist().forEach(this::send);
            for (Entry e : r.committedEntries()) {
                apply(m, e);
            }
            for (ReadState rs : r.readStates()) {
                Long required = m.reads.remove(rs.requestId());
                if (required != null) {
                    count("readsConfirmed");
                    checker.checkReadIndex(m.id, rs.index(), required);
                }
            }
            m.core.advance(r);
        }
    }

    private void apply(Member m, Entry e) {
        if (e.index() != m.applied.size() + 1L) {
            throw new AssertionError("member " + m.id + " applied index " + e.index() + " after "
                    + m.applied.size() + " (exactly once, in order)\n" + describe());
        }
        m.applied.add(e);
        checker.onApplied(m.id, e);
        Proposal p = m.proposals.remove(e.index());
        if (p != null && p.term() == e.term() && p.data().equals(e.data())) {
            acked.add(p);
            count("writesAcknowledged");
            ackedMaxIndex = Math.max(ackedMaxIndex, p.index());
            checker.onAcknowledged(p.index(), p.term(), p.data());
        }
    }

    // ---------------------------------------------------------------- network

    private void send(Message msg) {
        count("messagesSent");
        if (random.nextDouble() < faults.dropP()) {
            count("messagesDropped");
            return;
        }
        int copies = random.nextDouble() < faults.duplicateP() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            // Now and then a message arrives several election timeouts late: stale appends and votes from old
            // terms are where commit-rule bugs (Raft paper Figure 8) show.
            int delayMax = random.nextDouble() < faults.longDelayP() ? 30 * UNITS_PER_TICK : faults.delayUnitsMax();
            long delay = 1 + random.nextInt(delayMax);
            schedule(now + delay, () -> deliver(msg));
        }
    }

    private void deliver(Message msg) {
        Member to = members.get(msg.to());
        if (to == null || !to.up() || blockedLinks.contains(msg.from() + ">" + msg.to())) {
            return;
        }
        to.core.step(msg);
        handleReady(to);
    }

    // ---------------------------------------------------------------- faults and client

    private void injectFaults() {
        List<Member> all = new ArrayList<>(members.values());
        for (Member m : all) {
            if (m.up() && random.nextDouble() < faults.crashPerTickP()) {
                crash(m);
            }
        }
        if (!blockedLinks.isEmpty() && random.nextDouble() < faults.healPerTickP()) {
            blockedLinks.clear();
            trace("heal");
        } else if (random.nextDouble() < faults.partitionPerTickP()) {
            partition(all);
        }
    }

    private void partition(List<Member> all) {
        blockedLinks.clear();
        int kind = random.nextInt(3);
        Set<String> side = new HashSet<>();
        if (kind == 0) {
            side.add(all.get(random.nextInt(all.size())).id);
        } else {
            for (Member m : all) {
                if (random.nextBoolean()) {
                    side.add(m.id);
                }
            }
        }
        for (Member a : all) {
            for (Member b : all) {
                boolean cut = side.contains(a.id) != side.contains(b.id);
                if (kind == 2) {
                    // Partial partition: only some links across the cut fail, some only one way.
                    cut = cut && random.nextBoolean();
                }
                if (cut) {
                    blockedLinks.add(a.id + ">" + b.id);
                }
            }
        }
        count("partitions");
        trace("partition kind=" + kind + " blocked=" + blockedLinks);
    }

    private void clientActs() {
        List<Member> up = members.values().stream().filter(Member::up).toList();
        if (up.isEmpty()) {
            return;
        }
        Member target = up.get(random.nextInt(up.size()));
        if (random.nextDouble() < 0.6) {
            propose(target, ByteString.copyFromUtf8("w" + nextProposal++));
        } else {
            long id = nextReadId++;
            if (target.core.readIndex(id)) {
                target.reads.put(id, ackedMaxIndex);
                handleReady(target);
            }
        }
    }

    private boolean propose(Member m, ByteString data) {
        ProposeResult result = m.core.propose(data);
        if (result instanceof ProposeResult.Accepted a) {
            m.proposals.put(a.index(), new Proposal(a.index(), a.term(), data));
            handleReady(m);
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- checking and tracing

    private void checkAll() {
        for (Member m : members.values()) {
            if (!m.up()) {
                continue;
            }
            var status = m.core.status();
            checker.checkMember(m.id, m.core);
            if (status.role() != m.lastRole || status.term() != m.lastTerm) {
                if (status.role() == Role.LEADER) {
                    count("leadersElected");
                }
                trace(m.id + " " + m.lastRole + "@" + m.lastTerm + " -> " + status.role() + "@" + status.term());
                m.lastRole = status.role();
                m.lastTerm = status.term();
            }
        }
    }

    private void trace(String line) {
        if (!traceEnabled) {
            return;
        }
        trace.addLast("t=" + now + " " + line);
        if (trace.size() > 400) {
            trace.removeFirst();
        }
    }

    String describe() {
        StringBuilder sb = new StringBuilder("seed=" + seed + " time=" + now + " blocked=" + blockedLinks + "\n");
        for (Member m : members.values()) {
            sb.append("  ").append(m.id).append(": ")
                    .append(m.up() ? m.core.status().toString() : "DOWN")
                    .append(" applied=").append(m.applied.size()).append('\n');
        }
        if (traceEnabled) {
            sb.append("trace (last ").append(trace.size()).append(" events):\n");
            trace.forEach(l -> sb.append("  ").append(l).append('\n'));
        } else {
            sb.append("(run with -Dsim.trace=true for an event trace)\n");
        }
        return sb.toString();
    }

    int acknowledgedCount() {
        return acked.size();
    }
}
