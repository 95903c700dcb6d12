package io.kvstore.raft.sim;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.MembershipChange;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.ProposeResult;
import io.kvstore.raft.core.RaftConfig;
import io.kvstore.raft.core.RaftCore;
import io.kvstore.raft.core.ReadState;
import io.kvstore.raft.core.Ready;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.log.CorruptLogException;
import io.kvstore.raft.log.RecoveredLog;
import io.kvstore.raft.log.SegmentedLogStore;
import io.kvstore.raft.log.SimulatedDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * A whole raft cluster in one thread: real {@link RaftCore}s on the real WAL over simulated disks, a simulated
 * network that drops, duplicates, delays (and so reorders) messages and partitions members, crashes that lose
 * everything not fsynced (sometimes in the middle of handling a Ready), bit flips that recovery must catch, and an
 * operator and a client that change membership, transfer leadership, compact logs, propose and read. Everything
 * random comes from one seed, so a failing run replays exactly.
 *
 * <p>Time is in units; a member ticks every {@link #UNITS_PER_TICK} units at its own phase. A {@link SafetyChecker}
 * runs after every event. This harness is long because it plays every role around the cores (disk, network,
 * runtime, state machine, snapshot transfer, operator, client); each section is marked.
 */
final class SimulatedCluster {
    static final int UNITS_PER_TICK = 10;
    /** Small segments so rolling to new files happens in short runs. */
    private static final long SEGMENT_BYTES = 2048;
    /** Size of the WAL's sync marker record: length, checksum, type, offset, sequence. */
    private static final long SYNC_MARKER_BYTES = 4 + 4 + 1 + 8 + 8;
    /** Members beyond the initial ones that the operator can add; they start outside the cluster. */
    private static final int SPARE_MEMBERS = 2;

    /** Fault and operation rates for the safety phase; all drawn from the seed so runs differ in character. */
    record Faults(double dropP, double duplicateP, int delayUnitsMax, double longDelayP, double crashPerTickP,
                  double midReadyCrashP, double bitFlipP, double partitionPerTickP, double healPerTickP,
                  double membershipPerTickP, double transferPerTickP, int compactEveryEntries) {
        static Faults random(RandomGenerator r) {
            return new Faults(r.nextDouble() * 0.2, r.nextDouble() * 0.05, 2 + r.nextInt(40), r.nextDouble() * 0.1,
                    r.nextDouble() * 0.01, r.nextDouble() * 0.05, r.nextDouble() * 0.3, r.nextDouble() * 0.02,
                    0.02 + r.nextDouble() * 0.05, r.nextDouble() * 0.03, r.nextDouble() * 0.01,
                    r.nextInt(4) == 0 ? Integer.MAX_VALUE : 3 + r.nextInt(40));
        }

        Faults quiet() {
            return new Faults(0, 0, 5, 0, 0, 0, 0, 0, 1, 0, 0, compactEveryEntries);
        }
    }

    private final class Member {
        final String id;
        final SimulatedDisk disk = new SimulatedDisk();
        SegmentedLogStore store;
        final int tickPhase;
        RaftCore core;
        /** The state machine, durable as soon as an entry is applied (it fsyncs its applied index with the data). */
        List<Entry> applied = new ArrayList<>();
        /** Durable snapshots this member holds (taken locally or received), by index. */
        final TreeMap<Long, List<Entry>> snapshots = new TreeMap<>();
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
    private final Set<String> initialVoters = new TreeSet<>();
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
    final Map<String, Long> stats = new TreeMap<>();

    private void count(String what) {
        stats.merge(what, 1L, Long::sum);
    }

    SimulatedCluster(long seed, int size, Faults faults, boolean traceEnabled) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.faults = faults;
        this.traceEnabled = traceEnabled;
        for (int i = 1; i <= size; i++) {
            initialVoters.add("m" + i);
        }
        for (int i = 1; i <= size + SPARE_MEMBERS; i++) {
            Member m = new Member("m" + i, random.nextInt(UNITS_PER_TICK));
            members.put(m.id, m);
        }
        this.checker = new SafetyChecker(this::describe, Membership.ofVoters(initialVoters));
        for (Member m : members.values()) {
            start(m);
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
            schedule(at + 3, this::operatorActs);
            schedule(at + 5, this::clientActs);
        }
        runUntil(end);
    }

    /**
     * The liveness phase: faults stop, every member restarts and every link heals. Within {@code ticksMax} a
     * leader must commit a fresh proposal and every member of its cluster must apply everything committed.
     */
    void converge(int ticksMax) {
        faults = faults.quiet();
        blockedLinks.clear();
        for (Member m : members.values()) {
            if (!m.up()) {
                start(m);
            }
        }
        long deadline = now + (long) ticksMax * UNITS_PER_TICK;
        ByteString marker = ByteString.copyFromUtf8("liveness-" + seed);
        long proposedAt = -1;
        while (now < deadline) {
            runUntil(now + UNITS_PER_TICK);
            Member leader = leader();
            if (leader != null && allApplied(leader, marker)) {
                Map<String, List<Entry>> logs = new HashMap<>();
                for (String id : leader.core.membership().all()) {
                    logs.put(id, members.get(id).applied);
                }
                checker.checkAcknowledgedApplied(acked, logs);
                return;
            }
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

    /** Every member of the leader's cluster has applied the marker, and all have applied the same entries. */
    private boolean allApplied(Member leader, ByteString marker) {
        long size = -1;
        for (String id : leader.core.membership().all()) {
            List<Entry> log = members.get(id).applied;
            boolean has = false;
            for (int i = log.size() - 1; i >= 0 && i >= log.size() - 50; i--) {
                if (log.get(i).data().equals(marker)) {
                    has = true;
                    break;
                }
            }
            if (!has || (size != -1 && size != log.size())) {
                return false;
            }
            size = log.size();
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

    // ---------------------------------------------------------------- members: start, crash, recovery

    private void start(Member m) {
        m.store = new SegmentedLogStore(m.disk, SEGMENT_BYTES);
        RecoveredLog recovered = recover(m);
        if (random.nextDouble() < faults.bitFlipP()) {
            // After a clean recovery every byte on disk was promised (torn tails are cut), so any flip but one in
            // the last sync marker must be caught.
            closeStore(m);
            flipBitAndExpectDetection(m);
            m.store = new SegmentedLogStore(m.disk, SEGMENT_BYTES);
            recovered = recover(m);
        }
        SnapshotMeta snap = recovered.snapshot();
        if (m.applied.size() < snap.index()) {
            // The log recorded an installed snapshot, but the crash came before the state machine was restored
            // from it: restore now from the durable copy, as the runtime does at start.
            m.applied = new ArrayList<>(m.snapshots.get(snap.index()));
            count("snapshotRestoresAtStart");
        }
        Set<String> bootstrap = initialVoters.contains(m.id) ? initialVoters : Set.of();
        // Small windows and messages so flow control, batching and probing all happen in short runs.
        RaftConfig config = new RaftConfig(m.id, bootstrap, 10, 2, true, true, 8, 64 * 1024, 4 * 1024, 1 << 20);
        m.core = new RaftCore(config, recovered.hardState(), snap, recovered.entries(), m.applied.size(),
                new SplittableRandom(random.nextLong()));
        m.lastRole = Role.FOLLOWER;
        m.lastTerm = recovered.hardState().term();
        checker.onRestart(m.id, m.core);
        trace("start " + m.id + " term=" + recovered.hardState().term() + " snapshot=" + snap.index()
                + " log=" + recovered.entries().size() + " applied=" + m.applied.size());
    }

    private static void closeStore(Member m) {
        try {
            m.store.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RecoveredLog recover(Member m) {
        try {
            return m.store.recover();
        } catch (IOException e) {
            throw new UncheckedIOException("member " + m.id + " could not recover its log", e);
        }
    }

    /**
     * Flips a durable bit while the member is down; recovery must refuse to start. The operator's repair is
     * modelled by flipping it back. A flip inside the very last sync marker is indistinguishable from a torn
     * write of it (docs/raft.md lists this limit), so such a flip is undone untested.
     */
    private void flipBitAndExpectDetection(Member m) {
        SimulatedDisk.BitFlip flip = m.disk.flipRandomBit(new Random(random.nextLong()));
        if (flip == null) {
            return;
        }
        try {
            String lastSegment = m.disk.list().stream().max(String::compareTo).orElseThrow();
            if (flip.file().equals(lastSegment)
                    && flip.offset() >= m.disk.durableSize(lastSegment) - SYNC_MARKER_BYTES) {
                m.disk.unflip();
                return;
            }
            new SegmentedLogStore(m.disk, SEGMENT_BYTES).recover();
            throw new AssertionError("member " + m.id + " recovered a log with a flipped bit at " + flip
                    + " without noticing\n" + describe());
        } catch (CorruptLogException expected) {
            count("corruptionDetected");
            trace("corruption detected on " + m.id + ": " + expected.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        m.disk.unflip();
    }

    private void crash(Member m) {
        count("crashes");
        m.core = null;
        m.disk.crash(new Random(random.nextLong()));
        m.proposals.clear();
        m.reads.clear();
        trace("crash " + m.id);
        long downUnits = (1 + random.nextInt(60)) * (long) UNITS_PER_TICK;
        schedule(now + downUnits, () -> {
            if (!m.up()) {
                start(m);
            }
        });
    }

    // ---------------------------------------------------------------- the runtime around each core

    private void handleReady(Member m) {
        while (m.up() && m.core.hasReady()) {
            Ready r = m.core.ready();
            r.messagesBeforePersist().forEach(msg -> send(m, msg));
            if (random.nextDouble() < faults.midReadyCrashP() && r.needsSync()) {
                count("crashesBeforeFsync");
                if (random.nextBoolean()) {
                    // Power fails inside the fsync: part of the batch may reach the disk, torn.
                    m.disk.losePowerAtSync(1);
                    persist(m, r);
                }
                crash(m);
                return;
            }
            persist(m, r);
            if (r.snapshot() != null) {
                // The log marker is durable; now restore the state machine from the staged snapshot.
                m.applied = new ArrayList<>(m.snapshots.get(r.snapshot().index()));
                checker.onSnapshotRestored(m.id, m.applied);
                count("snapshotsInstalled");
            }
            checker.onPersisted(m.id, m.core, r.entriesToPersist());
            r.messagesAfterPersist().forEach(msg -> send(m, msg));
            for (Entry e : r.committedEntries()) {
                apply(m, e);
            }
            for (ReadState rs : r.readStates()) {
                Long required = m.reads.remove(rs.requestId());
                if (required != null && rs.failed()) {
                    count("readsFailed");
                } else if (required != null) {
                    count(m.core.status().role() == Role.LEADER ? "readsConfirmed" : "followerReadsConfirmed");
                    checker.checkReadIndex(m.id, rs.index(), required);
                }
            }
            m.core.advance(r);
            maybeCompact(m);
        }
    }

    private static void persist(Member m, Ready r) {
        try {
            if (r.snapshot() != null) {
                m.store.installSnapshot(r.snapshot());
            }
            m.store.append(r.entriesToPersist());
            if (r.hardState() != null) {
                m.store.saveHardState(r.hardState());
            }
            m.store.sync();
        } catch (IOException e) {
            if (!m.disk.isDown()) {
                throw new UncheckedIOException(e);
            }
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
            ackedMaxIndex = Math.max(ackedMaxIndex, p.index());
            count("writesAcknowledged");
            checker.onAcknowledged(p.index(), p.term(), p.data());
        }
    }

    /** The state machine snapshots every few entries; then the core and the log drop what it covers. */
    private void maybeCompact(Member m) {
        long applied = m.applied.size();
        if (applied - m.core.snapshot().index() < faults.compactEveryEntries()) {
            return;
        }
        m.snapshots.put(applied, List.copyOf(m.applied));
        SnapshotMeta meta = m.core.compact(applied);
        try {
            m.store.compact(meta);
            m.store.sync();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Keep only snapshots the log may still name (the latest few); older ones are garbage.
        while (m.snapshots.size() > 3) {
            m.snapshots.pollFirstEntry();
        }
        count("compactions");
    }

    // ---------------------------------------------------------------- network

    private void send(Member from, Message msg) {
        count("messagesSent");
        if (random.nextDouble() < faults.dropP()) {
            count("messagesDropped");
            return;
        }
        // A snapshot offer carries the sender's snapshot data with it, as the runtime's snapshot stream would.
        List<Entry> snapshotData = msg instanceof Message.InstallSnapshot is
                ? from.snapshots.get(is.meta().index()) : null;
        if (msg instanceof Message.InstallSnapshot && snapshotData == null) {
            throw new AssertionError(from.id + " offered a snapshot it does not hold: " + msg + "\n" + describe());
        }
        int copies = random.nextDouble() < faults.duplicateP() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            // Now and then a message arrives several election timeouts late: stale appends and votes from old
            // terms are where commit-rule bugs (Raft paper Figure 8) show.
            int delayMax = random.nextDouble() < faults.longDelayP() ? 30 * UNITS_PER_TICK : faults.delayUnitsMax();
            long delay = 1 + random.nextInt(delayMax);
            schedule(now + delay, () -> deliver(msg, snapshotData));
        }
    }

    private void deliver(Message msg, List<Entry> snapshotData) {
        Member to = members.get(msg.to());
        if (to == null || !to.up() || blockedLinks.contains(msg.from() + ">" + msg.to())) {
            return;
        }
        if (snapshotData != null) {
            // Staged durably before the core hears of it, as the runtime does.
            to.snapshots.put(((Message.InstallSnapshot) msg).meta().index(), snapshotData);
        }
        to.core.step(msg);
        handleReady(to);
    }

    // ---------------------------------------------------------------- faults, operator and client

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

    /** Membership changes and leadership transfers, asked of whoever currently leads. */
    private void operatorActs() {
        Member leader = leader();
        if (leader == null) {
            return;
        }
        if (random.nextDouble() < faults.membershipPerTickP()) {
            MembershipChange change = randomChange(leader.core.membership());
            if (change != null) {
                ProposeResult result = leader.core.proposeMembershipChange(change);
                trace("membership " + change + " at " + leader.id + ": " + result);
                if (result instanceof ProposeResult.Accepted) {
                    count("membershipChanges");
                }
                handleReady(leader);
            }
        }
        if (leader.up() && random.nextDouble() < faults.transferPerTickP()) {
            List<String> voters = List.copyOf(leader.core.membership().voters());
            String target = random.nextBoolean() ? null : voters.get(random.nextInt(voters.size()));
            ProposeResult result = leader.core.transferLeadership(target);
            trace("transfer to " + target + " at " + leader.id + ": " + result);
            if (result instanceof ProposeResult.Accepted) {
                count("transfers");
            }
            handleReady(leader);
        }
    }

    private MembershipChange randomChange(Membership current) {
        List<String> outside = new ArrayList<>();
        for (String id : members.keySet()) {
            if (!current.contains(id)) {
                outside.add(id);
            }
        }
        int kind = random.nextInt(3);
        if (kind == 0 && !outside.isEmpty()) {
            String id = outside.get(random.nextInt(outside.size()));
            return MembershipChange.addLearner(id, id + ".sim:7380");
        }
        if (kind == 1 && !current.learners().isEmpty()) {
            List<String> learners = List.copyOf(current.learners());
            return MembershipChange.promote(learners.get(random.nextInt(learners.size())));
        }
        List<String> all = current.all();
        if (current.voters().size() > 1 || !current.learners().isEmpty()) {
            return MembershipChange.remove(all.get(random.nextInt(all.size())));
        }
        return null;
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
                    .append(m.up() ? m.core.status() + " " + m.core.membership()
                            + " snapshot=" + m.core.snapshot().index() : "DOWN")
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
}
