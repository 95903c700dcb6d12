package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Message.AppendEntries;
import io.kvstore.raft.core.Message.AppendEntriesResponse;
import io.kvstore.raft.core.Message.Heartbeat;
import io.kvstore.raft.core.Message.HeartbeatResponse;
import io.kvstore.raft.core.Message.RequestVote;
import io.kvstore.raft.core.Message.RequestVoteResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A scripted cluster of real {@link RaftCore}s for scenario tests of single protocol behaviours (in the spirit of
 * etcd-io/raft's interaction tests; the randomized whole-cluster run lives in {@code io.kvstore.raft.sim}).
 *
 * <p>Nothing happens unless the test asks: {@link #tick} advances chosen members' logical time, {@link #stabilize}
 * handles every {@link Ready} and delivers messages until the cluster is quiet. Messages wait in one FIFO queue;
 * at delivery a message is dropped when its link is {@linkplain #cut cut} or a {@linkplain #dropIf drop rule}
 * matches, and set aside when it is {@linkplain #hold held} (until {@link #releaseAll}). Every delivered or
 * dropped message is recorded, so tests can count what went over the wire, and {@link #transcript()} renders the
 * tail for failure messages.
 *
 * <p>Each member has an in-memory "durable" log, hard state and state machine (applied entries). A member is
 * {@linkplain #restart restarted} from exactly that durable state, so anything not persisted through a Ready is
 * lost. Member ids are "1".."n". Election jitter comes from one seed; the same test replays identically.
 *
 * <p>Not thread-safe; one test owns an instance. Every loop is bounded and fails with the transcript when the bound
 * is hit.
 */
final class ScenarioNetwork {
    /** Election timeout of every member, in ticks; the randomized timeout lies in [10, 20). */
    static final int ELECTION_TICKS = 10;
    static final int HEARTBEAT_TICKS = 2;
    /** Deliver/handle rounds {@link #stabilize} allows before it calls the cluster livelocked. */
    private static final int STABILIZE_ROUNDS_MAX = 1_000;
    private static final int TRANSCRIPT_LINES_MAX = 80;

    /**
     * The knobs scenarios vary; everything else is fixed. Production defaults have pre-vote and check-quorum on;
     * a scenario that scripts elections by hand may turn check-quorum off, and says why.
     */
    record Tuning(boolean preVote, boolean checkQuorum, int maxInflightMsgs, long maxMsgBytes,
                  long maxUncommittedBytes) {
        static final Tuning DEFAULT = new Tuning(true, true, 4, 1L << 20, 1L << 20);

        Tuning withPreVote(boolean on) {
            return new Tuning(on, checkQuorum, maxInflightMsgs, maxMsgBytes, maxUncommittedBytes);
        }

        Tuning withCheckQuorum(boolean on) {
            return new Tuning(preVote, on, maxInflightMsgs, maxMsgBytes, maxUncommittedBytes);
        }

        Tuning withMaxInflightMsgs(int count) {
            return new Tuning(preVote, checkQuorum, count, maxMsgBytes, maxUncommittedBytes);
        }

        /** A small value makes every AppendEntries carry exactly one entry. */
        Tuning withMaxMsgBytes(long bytes) {
            return new Tuning(preVote, checkQuorum, maxInflightMsgs, bytes, maxUncommittedBytes);
        }

        Tuning withMaxUncommittedBytes(long bytes) {
            return new Tuning(preVote, checkQuorum, maxInflightMsgs, maxMsgBytes, bytes);
        }

        RaftConfig configFor(String id, Set<String> voters) {
            return new RaftConfig(id, voters, ELECTION_TICKS, HEARTBEAT_TICKS, preVote, checkQuorum,
                    maxInflightMsgs, Long.MAX_VALUE, maxMsgBytes, maxUncommittedBytes);
        }
    }

    /** What one member keeps across a restart, plus its current core. */
    private static final class Member {
        final String id;
        RaftCore core;
        HardState hardState = HardState.EMPTY;
        final List<Entry> durableLog = new ArrayList<>();
        /** The state machine: every entry ever applied, in order. Durable, like a real one with its applied index. */
        final List<Entry> applied = new ArrayList<>();
        final List<ReadState> readStates = new ArrayList<>();

        Member(String id) {
            this.id = id;
        }

        long appliedIndex() {
            return applied.isEmpty() ? 0 : applied.get(applied.size() - 1).index();
        }
    }

    /** A message that reached its recipient's {@link RaftCore#step} or was dropped on the way. */
    record Delivery(Message message, boolean dropped) {}

    private final long seed;
    private final Tuning tuning;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final ArrayDeque<Message> pending = new ArrayDeque<>();
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    private final Set<String> cutLinks = new HashSet<>();
    private final List<Predicate<Message>> holdRules = new ArrayList<>();
    private final List<Predicate<Message>> dropRules = new ArrayList<>();
    private final List<Delivery> deliveries = new ArrayList<>();
    private int restarts;

    ScenarioNetwork(int size, long seed, Tuning tuning) {
        this.seed = seed;
        this.tuning = tuning;
        Set<String> voters = new HashSet<>();
        for (int i = 1; i <= size; i++) {
            voters.add(Integer.toString(i));
        }
        for (int i = 1; i <= size; i++) {
            Member m = new Member(Integer.toString(i));
            m.core = new RaftCore(tuning.configFor(m.id, voters), HardState.EMPTY, List.of(), 0,
                    new SplittableRandom(seed * 31 + i));
            members.put(m.id, m);
        }
    }

    static ScenarioNetwork of(int size) {
        return new ScenarioNetwork(size, 42, Tuning.DEFAULT);
    }

    static ScenarioNetwork of(int size, Tuning tuning) {
        return new ScenarioNetwork(size, 42, tuning);
    }

    // ---------------------------------------------------------------- time and client requests

    /** Ticks each of {@code ids} once (all members when none given); does not deliver anything. */
    void tick(String... ids) {
        for (String id : ids.length == 0 ? members.keySet().toArray(String[]::new) : ids) {
            member(id).core.tick();
        }
    }

    /**
     * Ticks {@code ids} (all members when none given) one tick at a time, stabilizing after each, until
     * {@code condition} holds. Returns the ticks it took; fails after {@code ticksMax}.
     */
    int tickUntil(BooleanSupplier condition, int ticksMax, String... ids) {
        for (int ticks = 0; ticks <= ticksMax; ticks++) {
            if (condition.getAsBoolean()) {
                return ticks;
            }
            tick(ids);
            stabilize();
        }
        throw new AssertionError("condition not reached within " + ticksMax + " ticks\n" + transcript());
    }

    /** Ticks only {@code id} (nothing delivered) until it leaves the follower role, i.e. starts a (pre-)campaign. */
    void campaign(String id) {
        for (int ticks = 0; ticks < 2 * ELECTION_TICKS; ticks++) {
            member(id).core.tick();
            if (status(id).role() != Role.FOLLOWER) {
                return;
            }
        }
        throw new AssertionError("member " + id + " did not campaign within " + 2 * ELECTION_TICKS + " ticks");
    }

    /**
     * Makes {@code id} leader by ticking only it until it campaigns, then stabilizing; campaigns again (at most a
     * few times) when a pre-vote failed only because it learned a higher term. Other members must be willing to
     * vote (not in a leader's lease): the scenario arranges that.
     */
    void electLeader(String id) {
        for (int attempt = 0; attempt < 3; attempt++) {
            campaign(id);
            stabilize();
            if (status(id).role() == Role.LEADER) {
                return;
            }
        }
        throw new AssertionError("member " + id + " did not become leader\n" + transcript());
    }

    ProposeResult propose(String id, String command) {
        return member(id).core.propose(ByteString.copyFromUtf8(command));
    }

    /** Proposes and stabilizes; fails unless the proposal was accepted. Returns the entry's index. */
    long proposeAndCommit(String id, String command) {
        ProposeResult result = propose(id, command);
        if (!(result instanceof ProposeResult.Accepted accepted)) {
            throw new AssertionError("proposal to " + id + " not accepted: " + result);
        }
        stabilize();
        return accepted.index();
    }

    // ---------------------------------------------------------------- Ready handling

    /**
     * Handles every member's Ready and delivers every deliverable message, repeatedly, until no member has a
     * Ready and nothing is pending. Ticks nothing, so heartbeats do not keep it busy.
     */
    void stabilize() {
        stabilizeUntil(() -> false);
    }

    /**
     * Like {@link #stabilize} but stops as soon as {@code condition} holds, checked after each delivered batch
     * (before the members' next Readies are handled). Returns whether it held.
     */
    boolean stabilizeUntil(BooleanSupplier condition) {
        for (int round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
            members.values().forEach(m -> handleReadies(m.id));
            if (pending.isEmpty()) {
                return condition.getAsBoolean();
            }
            deliverPending();
            if (condition.getAsBoolean()) {
                return true;
            }
        }
        throw new AssertionError("not quiet after " + STABILIZE_ROUNDS_MAX + " rounds\n" + transcript());
    }

    /** Handles {@code id}'s Readies until it has none. */
    void handleReadies(String id) {
        RaftCore core = member(id).core;
        for (int i = 0; i < STABILIZE_ROUNDS_MAX && core.hasReady(); i++) {
            handle(id, core.ready());
        }
    }

    /**
     * Handles one Ready in the order its Javadoc prescribes: send the pre-persist messages, persist entries and
     * hard state, send the post-persist messages, apply committed entries, record read states, advance.
     */
    void handle(String id, Ready ready) {
        Member m = member(id);
        pending.addAll(ready.messagesBeforePersist());
        persist(m, ready);
        pending.addAll(ready.messagesAfterPersist());
        for (Entry e : ready.committedEntries()) {
            // The state machine's own check: each index exactly once, in order (a restart must not re-apply).
            if (e.index() != m.appliedIndex() + 1) {
                throw new AssertionError("member " + id + " asked to apply " + e.index() + " after "
                        + m.appliedIndex() + "\n" + transcript());
            }
            m.applied.add(e);
        }
        m.readStates.addAll(ready.readStates());
        m.core.advance(ready);
    }

    private static void persist(Member m, Ready ready) {
        List<Entry> entries = ready.entriesToPersist();
        if (!entries.isEmpty()) {
            // An entry at an index already in the log replaces it and everything after it.
            long first = entries.get(0).index();
            if (first > m.durableLog.size() + 1) {
                throw new AssertionError("member " + m.id + " persisting " + first + " past a gap at "
                        + (m.durableLog.size() + 1));
            }
            m.durableLog.subList((int) first - 1, m.durableLog.size()).clear();
            m.durableLog.addAll(entries);
        }
        if (ready.hardState() != null) {
            m.hardState = ready.hardState();
        }
    }

    /**
     * Replaces {@code id}'s core by one recovered from its durable hard state, log and applied index, as after a
     * crash: anything not yet persisted (including unsent messages it produced) is gone.
     */
    void restart(String id) {
        Member m = member(id);
        restarts++;
        RaftConfig config = m.core.config();
        m.core = new RaftCore(config, m.hardState, List.copyOf(m.durableLog), m.appliedIndex(),
                new SplittableRandom(seed * 31 + 1_000L * restarts + Integer.parseInt(id)));
    }

    // ---------------------------------------------------------------- the network

    /** Queues a hand-made message, as if some member had sent it. */
    void send(Message m) {
        pending.add(m);
    }

    /** Delivers (or drops, or holds) every message queued now; messages they cause wait for the next call. */
    void deliverPending() {
        int count = pending.size();
        for (int i = 0; i < count; i++) {
            deliver(pending.poll());
        }
    }

    private void deliver(Message m) {
        if (holdRules.stream().anyMatch(rule -> rule.test(m))) {
            held.add(m);
            return;
        }
        Member to = members.get(m.to());
        boolean drop = to == null || cutLinks.contains(link(m.from(), m.to()))
                || dropRules.stream().anyMatch(rule -> rule.test(m));
        deliveries.add(new Delivery(m, drop));
        if (!drop) {
            to.core.step(m);
        }
    }

    /** Cuts the links between {@code a} and {@code b}, both directions. */
    void cut(String a, String b) {
        cutOneWay(a, b);
        cutOneWay(b, a);
    }

    void cutOneWay(String from, String to) {
        cutLinks.add(link(from, to));
    }

    /** Cuts every link to and from {@code id}. */
    void isolate(String id) {
        for (String other : members.keySet()) {
            if (!other.equals(id)) {
                cut(id, other);
            }
        }
    }

    /** Heals every link to and from {@code id}. */
    void heal(String id) {
        cutLinks.removeIf(l -> l.startsWith(id + "->") || l.endsWith("->" + id));
    }

    void healAll() {
        cutLinks.clear();
    }

    /** Holds messages from {@code from} to {@code to} at delivery time, in order, until {@link #releaseAll}. */
    void hold(String from, String to) {
        holdIf(m -> m.from().equals(from) && m.to().equals(to));
    }

    /** Holds, at delivery, every message matching {@code rule}, in order, until {@link #releaseAll}. */
    void holdIf(Predicate<Message> rule) {
        holdRules.add(rule);
    }

    /** Stops holding and queues everything held for delivery, in the order it was held. */
    void releaseAll() {
        holdRules.clear();
        pending.addAll(held);
        held.clear();
    }

    /** Drops, at delivery, every message matching {@code rule} until {@link #clearDropRules}. */
    void dropIf(Predicate<Message> rule) {
        dropRules.add(rule);
    }

    void clearDropRules() {
        dropRules.clear();
    }

    /** Drops every queued message to or from {@code id} now. */
    void dropPending(String id) {
        pending.removeIf(m -> {
            boolean match = m.from().equals(id) || m.to().equals(id);
            if (match) {
                deliveries.add(new Delivery(m, true));
            }
            return match;
        });
    }

    private static String link(String from, String to) {
        return from + "->" + to;
    }

    // ---------------------------------------------------------------- inspection

    RaftCore core(String id) {
        return member(id).core;
    }

    RaftStatus status(String id) {
        return member(id).core.status();
    }

    /** Every entry {@code id}'s state machine applied, in order, across restarts. */
    List<Entry> applied(String id) {
        return List.copyOf(member(id).applied);
    }

    List<Entry> durableLog(String id) {
        return List.copyOf(member(id).durableLog);
    }

    HardState hardState(String id) {
        return member(id).hardState;
    }

    List<ReadState> readStates(String id) {
        return List.copyOf(member(id).readStates);
    }

    /** The leaders among {@code ids} (all members when none given), e.g. to check there is at most one. */
    List<String> leaders(String... ids) {
        List<String> among = ids.length == 0 ? List.copyOf(members.keySet()) : List.of(ids);
        return among.stream().filter(id -> status(id).role() == Role.LEADER).toList();
    }

    /** How many deliveries have been recorded: a mark for {@link #deliveredSince}. */
    int mark() {
        return deliveries.size();
    }

    /** Messages that reached a core (not dropped) since {@code mark}, in delivery order. */
    List<Message> deliveredSince(int mark) {
        return deliveries.subList(mark, deliveries.size()).stream()
                .filter(d -> !d.dropped()).map(Delivery::message).toList();
    }

    /** The last deliveries, one line each, for assertion messages. */
    String transcript() {
        int from = Math.max(0, deliveries.size() - TRANSCRIPT_LINES_MAX);
        String statuses = members.values().stream().map(m -> m.core.status().toString())
                .collect(Collectors.joining("\n  ", "  ", ""));
        return deliveries.subList(from, deliveries.size()).stream()
                .map(d -> (d.dropped() ? "  DROP " : "  ") + describe(d.message()))
                .collect(Collectors.joining("\n", "last " + (deliveries.size() - from) + " deliveries:\n", ""))
                + "\nmembers:\n" + statuses;
    }

    static String describe(Message m) {
        String head = m.from() + "->" + m.to() + " t" + m.term() + " ";
        if (m instanceof AppendEntries ae) {
            String range = ae.entries().isEmpty() ? "[]"
                    : "[" + ae.entries().get(0).index() + ".." + ae.lastIndex() + "]";
            return head + "App prev=" + ae.prevLogIndex() + "/t" + ae.prevLogTerm() + " " + range
                    + " commit=" + ae.leaderCommit();
        } else if (m instanceof AppendEntriesResponse r) {
            return head + "AppResp " + (r.success() ? "ok" : "REJECT hint=" + r.hintIndex() + "/t" + r.hintTerm())
                    + " index=" + r.index();
        } else if (m instanceof Heartbeat hb) {
            return head + "Heartbeat commit=" + hb.commit() + " round=" + hb.round();
        } else if (m instanceof HeartbeatResponse r) {
            return head + "HeartbeatResp round=" + r.round();
        } else if (m instanceof RequestVote rv) {
            return head + (rv.preVote() ? "PreVote" : "Vote") + " last=" + rv.lastLogIndex() + "/t"
                    + rv.lastLogTerm();
        } else if (m instanceof RequestVoteResponse r) {
            return head + (r.preVote() ? "PreVoteResp " : "VoteResp ") + (r.granted() ? "granted" : "REJECT");
        }
        return head + m;
    }

    private Member member(String id) {
        Member m = members.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no member " + id + " among " + members.keySet());
        }
        return m;
    }
}
