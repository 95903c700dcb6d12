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
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol of one member, as a deterministic state machine: no threads, no I/O, no clock. Time enters
 * through {@link #tick()}, the network through {@link #step(Message)}, clients through {@link #propose} and
 * {@link #readIndex}; what must be persisted, sent and applied comes out of {@link #ready()}, whose Javadoc states
 * the order. Randomness (election jitter) comes only from the injected generator, so a seeded simulation replays
 * exactly.
 *
 * <p>Not thread-safe: one thread (the runtime's event loop, or the simulator) owns an instance.
 *
 * <p>This class is larger than most because the role-specific handlers share a lot of state; each handler is
 * short and named after the rule of the Raft paper it implements.
 */
public final class RaftCore {
    private final RaftConfig config;
    private final RandomGenerator random;
    private final RaftLog log;
    /** The other voters, sorted: iteration order decides message order, which must not vary between runs. */
    private final List<String> peers;

    private long term;
    private String votedFor;
    private String leaderId;
    private Role role = Role.FOLLOWER;
    private HardState persistedHardState;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTicks;

    private final Set<String> votesGranted = new HashSet<>();
    private final Set<String> votesRejected = new HashSet<>();

    private final Map<String, Progress> progress = new HashMap<>();
    private long uncommittedBytes;
    private boolean appendBroadcastPending;
    private long heartbeatRound;
    private boolean readBroadcastPending;
    /** Read requests that wait for the leader's first commit in its term (etcd #7331). */
    private final List<Long> readsAwaitingTermCommit = new ArrayList<>();
    private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
    private final List<ReadState> readStates = new ArrayList<>();

    private final List<Message> messagesBeforePersist = new ArrayList<>();
    private final List<Message> messagesAfterPersist = new ArrayList<>();

    private record PendingRead(long requestId, long index, long round) {}

    /**
     * Restores a member from its durable state.
     *
     * @param hardState the last durable hard state ({@link HardState#EMPTY} for a new member)
     * @param entries the durable log, consecutive from index 1
     * @param appliedIndex the state machine's durable applied index; entries after it will be applied again
     * @param random the only source of randomness (election jitter)
     */
    public RaftCore(RaftConfig config, HardState hardState, List<Entry> entries, long appliedIndex,
                    RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        this.log = new RaftLog(SnapshotMeta.NONE, entries, Math.min(hardState.commit(), lastIndexOf(entries)),
                appliedIndex);
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.persistedHardState = hardState;
        this.peers = config.voters().stream().filter(v -> !v.equals(config.id())).sorted().toList();
        resetElectionTimer();
    }

    private static long lastIndexOf(List<Entry> entries) {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: followers count towards an election, leaders towards a heartbeat. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            electionElapsed++;
            if (electionElapsed >= randomizedElectionTicks) {
                campaign();
            }
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum() && !quorumRecentlyActive()) {
                becomeFollower(term, null);
                return;
            }
            progress.values().forEach(p -> p.recentActive = false);
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    /**
     * Proposes a command. Only a leader accepts; the entry is appended to its log now and replicated when the
     * runtime handles the next {@link Ready}.
     */
    public ProposeResult propose(ByteString command) {
        if (role != Role.LEADER) {
            return new ProposeResult.NotLeader(leaderId);
        }
        if (uncommittedBytes > config.maxUncommittedBytes()) {
            return new ProposeResult.Busy("uncommitted data exceeds " + config.maxUncommittedBytes() + " bytes");
        }
        Entry entry = new Entry(log.lastIndex() + 1, term, Entry.Type.COMMAND, command);
        appendAsLeader(entry);
        return new ProposeResult.Accepted(entry.index(), entry.term());
    }

    /**
     * Requests a linearizable read index (dissertation §6.4). Returns false when this member is not the leader.
     * When accepted, a {@link ReadState} with {@code requestId} appears in a later {@link Ready}, after a quorum has
     * confirmed this member still leads; it is dropped silently if leadership is lost first (the runtime fails such
     * requests when it sees the role change).
     */
    public boolean readIndex(long requestId) {
        if (role != Role.LEADER) {
            return false;
        }
        if (log.term(log.committed) != term) {
            readsAwaitingTermCommit.add(requestId);
        } else {
            registerRead(requestId);
        }
        return true;
    }

    private void registerRead(long requestId) {
        if (config.voters().size() == 1) {
            readStates.add(new ReadState(requestId, log.committed));
            return;
        }
        pendingReads.add(new PendingRead(requestId, log.committed, heartbeatRound + 1));
        readBroadcastPending = true;
    }

    /** Handles one message from another member. Messages for someone else or from a non-member are ignored. */
    public void step(Message m) {
        if (!config.id().equals(m.to()) || !peers.contains(m.from())) {
            return;
        }
        if (m.term() > term) {
            if (!acceptHigherTerm(m)) {
                return;
            }
        } else if (m.term() < term) {
            answerStaleTerm(m);
            return;
        }
        if (m instanceof RequestVote rv) {
            handleVoteRequest(rv);
            return;
        }
        if (role == Role.LEADER) {
            stepLeader(m);
        } else if (role == Role.FOLLOWER) {
            stepFollower(m);
        } else {
            stepCandidate(m);
        }
    }

    // ---------------------------------------------------------------- term rules (Raft §5.1)

    /** Returns whether to go on handling a message whose term is above ours. */
    private boolean acceptHigherTerm(Message m) {
        if (m instanceof RequestVote rv) {
            if (inLease()) {
                // We heard from a live leader within the election timeout: a member that cannot hear it (removed,
                // partitioned, restarted) must not depose it (dissertation §4.2.3).
                return false;
            }
            if (rv.preVote()) {
                return true;
            }
            becomeFollower(m.term(), null);
            return true;
        }
        if (m instanceof RequestVoteResponse r && r.preVote() && r.granted()) {
            // A granted pre-vote carries the term we would campaign in; nobody changed term yet.
            return true;
        }
        boolean fromLeader = m instanceof AppendEntries || m instanceof Heartbeat;
        becomeFollower(m.term(), fromLeader ? m.from() : null);
        return true;
    }

    private void answerStaleTerm(Message m) {
        if (m instanceof AppendEntries || m instanceof Heartbeat) {
            // A deposed leader (perhaps cut off while we moved on) learns our term and steps down; without this a
            // leader behind a partial partition would never hear the higher term when pre-vote is on.
            send(new HeartbeatResponse(config.id(), m.from(), term, 0), false);
        } else if (m instanceof RequestVote rv && rv.preVote()) {
            send(new RequestVoteResponse(config.id(), m.from(), term, false, true), false);
        }
    }

    private boolean inLease() {
        return config.checkQuorum() && leaderId != null && electionElapsed < config.electionTicks();
    }

    // ---------------------------------------------------------------- elections (Raft §5.2, dissertation §9.6)

    private void campaign() {
        if (config.preVote()) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
    }

    private void requestVotes(boolean preVote) {
        long campaignTerm = preVote ? term + 1 : term;
        votesGranted.clear();
        votesRejected.clear();
        votesGranted.add(config.id());
        if (votesGranted.size() >= config.quorum()) {
            winVote(preVote);
            return;
        }
        for (String peer : peers) {
            send(new RequestVote(config.id(), peer, campaignTerm, log.lastIndex(), log.lastTerm(), preVote, false),
                    true);
        }
    }

    private void handleVoteRequest(RequestVote rv) {
        boolean canVote = rv.from().equals(votedFor)
                || (votedFor == null && leaderId == null)
                || (rv.preVote() && rv.term() > term);
        boolean grant = canVote && log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm());
        if (grant && !rv.preVote()) {
            votedFor = rv.from();
            electionElapsed = 0;
        }
        // A granted pre-vote answers in the term asked for, so the pre-candidate does not mistake it for a
        // higher term; a rejection carries ours.
        long answerTerm = grant && rv.preVote() ? rv.term() : term;
        send(new RequestVoteResponse(config.id(), rv.from(), answerTerm, grant, rv.preVote()), false);
    }

    private void stepCandidate(Message m) {
        if (m instanceof AppendEntries ae) {
            becomeFollower(term, ae.from());
            handleAppend(ae);
        } else if (m instanceof Heartbeat hb) {
            becomeFollower(term, hb.from());
            handleHeartbeat(hb);
        } else if (m instanceof RequestVoteResponse r && r.preVote() == (role == Role.PRE_CANDIDATE)) {
            (r.granted() ? votesGranted : votesRejected).add(r.from());
            if (votesGranted.size() >= config.quorum()) {
                winVote(r.preVote());
            } else if (votesRejected.size() >= config.quorum()) {
                becomeFollower(term, null);
            }
        }
    }

    private void winVote(boolean preVote) {
        if (preVote) {
            becomeCandidate();
        } else {
            becomeLeader();
        }
    }

    // ---------------------------------------------------------------- followers (Raft §5.3)

    private void stepFollower(Message m) {
        if (m instanceof AppendEntries ae) {
            electionElapsed = 0;
            leaderId = ae.from();
            handleAppend(ae);
        } else if (m instanceof Heartbeat hb) {
            electionElapsed = 0;
            leaderId = hb.from();
            handleHeartbeat(hb);
        }
    }

    private void handleAppend(AppendEntries ae) {
        if (ae.prevLogIndex() < log.committed) {
            // Everything up to our commit index matches any leader's log (leader completeness).
            send(new AppendEntriesResponse(config.id(), ae.from(), term, true, log.committed, 0, 0), false);
            return;
        }
        if (log.matchTerm(ae.prevLogIndex(), ae.prevLogTerm())) {
            long lastNew = log.appendFromLeader(ae.prevLogIndex(), ae.entries());
            log.commitTo(Math.min(ae.leaderCommit(), lastNew));
            send(new AppendEntriesResponse(config.id(), ae.from(), term, true, lastNew, 0, 0), false);
            return;
        }
        long hintIndex = log.lastIndexWithTermAtMost(ae.prevLogIndex(), ae.prevLogTerm());
        send(new AppendEntriesResponse(config.id(), ae.from(), term, false, ae.prevLogIndex(), hintIndex,
                log.term(hintIndex)), false);
    }

    private void handleHeartbeat(Heartbeat hb) {
        log.commitTo(Math.min(hb.commit(), log.lastIndex()));
        send(new HeartbeatResponse(config.id(), hb.from(), term, hb.round()), false);
    }

    // ---------------------------------------------------------------- leaders

    private void stepLeader(Message m) {
        Progress p = progress.get(m.from());
        p.recentActive = true;
        if (m instanceof AppendEntriesResponse r) {
            handleAppendResponse(r, p);
        } else if (m instanceof HeartbeatResponse r) {
            handleHeartbeatResponse(r, p);
        }
    }

    private void handleAppendResponse(AppendEntriesResponse r, Progress p) {
        if (!r.success()) {
            long matchHint = r.hintIndex();
            if (r.hintTerm() > 0) {
                matchHint = log.lastIndexWithTermAtMost(r.hintIndex(), r.hintTerm());
            }
            if (p.rejected(r.index(), matchHint)) {
                sendAppend(r.from(), p);
            }
            return;
        }
        boolean wasPaused = p.paused();
        if (!p.acknowledge(r.index())) {
            if (wasPaused && !p.paused()) {
                sendAppend(r.from(), p);
            }
            return;
        }
        if (p.state == Progress.State.PROBE) {
            p.becomeReplicate();
        }
        if (maybeCommit()) {
            // Followers learn the new commit index with the next append; send it now so they apply promptly.
            appendBroadcastPending = true;
        }
        // Only when there is more to send: an empty append here would carry nothing the broadcast above does not,
        // yet the follower answers it, so every acknowledgement cost one more round trip (found by
        // ReplicationScenarioTest#eachProposalCostsEachFollowerOneAppendForTheEntryAndOneForTheCommit).
        if (p.next <= log.lastIndex()) {
            sendAppend(r.from(), p);
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse r, Progress p) {
        p.probeSent = false;
        if (p.state == Progress.State.REPLICATE && p.inflights.full()) {
            // Appends may have been lost; free one slot so replication cannot stall forever.
            p.inflights.freeFirst();
        }
        if (p.match < log.lastIndex()) {
            sendAppend(r.from(), p);
        }
        if (r.round() > p.ackedRound) {
            p.ackedRound = r.round();
            confirmReads();
        }
    }

    private void confirmReads() {
        while (!pendingReads.isEmpty()) {
            PendingRead read = pendingReads.peek();
            int acks = 1;
            for (Progress p : progress.values()) {
                if (p.ackedRound >= read.round()) {
                    acks++;
                }
            }
            if (acks < config.quorum()) {
                return;
            }
            pendingReads.poll();
            readStates.add(new ReadState(read.requestId(), read.index()));
        }
    }

    private void appendAsLeader(Entry entry) {
        log.appendNew(entry);
        uncommittedBytes += entry.sizeBytes();
        appendBroadcastPending = true;
        if (peers.isEmpty()) {
            maybeCommit();
        }
    }

    private void sendAppend(String peer, Progress p) {
        if (p.paused()) {
            return;
        }
        long prevIndex = p.next - 1;
        List<Entry> entries = log.slice(p.next, config.maxMsgBytes());
        AppendEntries ae = new AppendEntries(config.id(), peer, term, prevIndex, log.term(prevIndex), entries,
                log.committed);
        if (p.state == Progress.State.REPLICATE) {
            if (!entries.isEmpty()) {
                long bytes = 0;
                for (Entry e : entries) {
                    bytes += e.sizeBytes();
                }
                p.next = ae.lastIndex() + 1;
                p.inflights.add(ae.lastIndex(), bytes);
            }
        } else {
            p.probeSent = true;
        }
        send(ae, true);
    }

    private void broadcastAppend() {
        for (String peer : peers) {
            sendAppend(peer, progress.get(peer));
        }
    }

    private void broadcastHeartbeat() {
        heartbeatRound++;
        for (String peer : peers) {
            Progress p = progress.get(peer);
            send(new Heartbeat(config.id(), peer, term, Math.min(p.match, log.committed), heartbeatRound), true);
        }
    }

    /** Commits the highest index a quorum has durably, if it is from this term (Raft §5.4.2). */
    private boolean maybeCommit() {
        long[] matches = new long[config.voters().size()];
        int i = 0;
        matches[i++] = log.persistedIndex;
        for (Progress p : progress.values()) {
            matches[i++] = p.match;
        }
        Arrays.sort(matches);
        long quorumIndex = matches[matches.length - config.quorum()];
        if (quorumIndex <= log.committed || log.term(quorumIndex) != term) {
            return false;
        }
        long before = log.committed;
        log.commitTo(quorumIndex);
        for (long idx = before + 1; idx <= quorumIndex; idx++) {
            uncommittedBytes = Math.max(0, uncommittedBytes - log.entry(idx).sizeBytes());
        }
        if (log.term(before) != term) {
            // First commit of this term: reads held back until now may proceed (etcd #7331).
            readsAwaitingTermCommit.forEach(this::registerRead);
            readsAwaitingTermCommit.clear();
        }
        return true;
    }

    private boolean quorumRecentlyActive() {
        int active = 1;
        for (Progress p : progress.values()) {
            if (p.recentActive) {
                active++;
            }
        }
        return active >= config.quorum();
    }

    // ---------------------------------------------------------------- role transitions

    private void becomeFollower(long newTerm, String leader) {
        if (newTerm != term) {
            term = newTerm;
            votedFor = null;
        }
        role = Role.FOLLOWER;
        leaderId = leader;
        resetLeaderState();
        resetElectionTimer();
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        leaderId = null;
        resetLeaderState();
        resetElectionTimer();
        requestVotes(true);
    }

    private void becomeCandidate() {
        role = Role.CANDIDATE;
        term++;
        votedFor = config.id();
        leaderId = null;
        resetLeaderState();
        resetElectionTimer();
        requestVotes(false);
    }

    private void becomeLeader() {
        Invariants.check(role == Role.CANDIDATE, "only a candidate can become leader, was %s", role);
        role = Role.LEADER;
        leaderId = config.id();
        resetLeaderState();
        electionElapsed = 0;
        for (String peer : peers) {
            Progress p = new Progress(log.lastIndex() + 1, config.maxInflightMsgs(), config.maxInflightBytes());
            p.recentActive = true;
            progress.put(peer, p);
        }
        // An entry of our own term lets us commit (and so learn the commit index of) earlier terms (Raft §5.4.2).
        appendAsLeader(new Entry(log.lastIndex() + 1, term, Entry.Type.NOOP, ByteString.EMPTY));
    }

    private void resetLeaderState() {
        progress.clear();
        uncommittedBytes = 0;
        heartbeatElapsed = 0;
        appendBroadcastPending = false;
        readBroadcastPending = false;
        pendingReads.clear();
        readsAwaitingTermCommit.clear();
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        randomizedElectionTicks = config.electionTicks() + random.nextInt(config.electionTicks());
    }

    // ---------------------------------------------------------------- output

    private void send(Message m, boolean beforePersist) {
        (beforePersist ? messagesBeforePersist : messagesAfterPersist).add(m);
    }

    private void flushBroadcasts() {
        if (appendBroadcastPending) {
            appendBroadcastPending = false;
            broadcastAppend();
        }
        if (readBroadcastPending) {
            readBroadcastPending = false;
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    /** Whether {@link #ready()} has anything to do. */
    public boolean hasReady() {
        return appendBroadcastPending || readBroadcastPending
                || !messagesBeforePersist.isEmpty() || !messagesAfterPersist.isEmpty()
                || log.lastIndex() > log.persistedIndex || log.committed > log.applied
                || !readStates.isEmpty() || termOrVoteChanged();
    }

    private boolean termOrVoteChanged() {
        return persistedHardState.term() != term || !Objects.equals(persistedHardState.votedFor(), votedFor);
    }

    /**
     * The hard state to persist with this Ready: always when term or vote changed (they must be durable before we
     * answer); the commit index only rides along with entries, since it is a restart hint not worth an fsync.
     */
    private HardState hardStateToPersist(boolean hasEntries) {
        boolean commitChanged = persistedHardState.commit() != log.committed;
        if (termOrVoteChanged() || (hasEntries && commitChanged)) {
            return new HardState(term, votedFor, log.committed);
        }
        return null;
    }

    /** Collects the work the runtime must do now. The caller must handle it and then call {@link #advance}. */
    public Ready ready() {
        flushBroadcasts();
        List<Entry> toPersist = log.between(log.persistedIndex, log.lastIndex());
        Ready ready = new Ready(
                hardStateToPersist(!toPersist.isEmpty()),
                toPersist,
                messagesBeforePersist,
                messagesAfterPersist,
                log.between(log.applied, log.committed),
                readStates);
        messagesBeforePersist.clear();
        messagesAfterPersist.clear();
        readStates.clear();
        return ready;
    }

    /** Records that {@code ready} was handled: its entries and hard state are durable, its entries applied. */
    public void advance(Ready ready) {
        if (!ready.entriesToPersist().isEmpty()) {
            log.persistedIndex = ready.entriesToPersist().get(ready.entriesToPersist().size() - 1).index();
        }
        if (ready.hardState() != null) {
            persistedHardState = ready.hardState();
        }
        if (!ready.committedEntries().isEmpty()) {
            log.applied = ready.committedEntries().get(ready.committedEntries().size() - 1).index();
        }
        if (role == Role.LEADER && maybeCommit()) {
            appendBroadcastPending = !peers.isEmpty();
        }
    }

    // ---------------------------------------------------------------- inspection

    public RaftStatus status() {
        return new RaftStatus(config.id(), role, term, leaderId, log.committed, log.applied, log.lastIndex());
    }

    /** The entry at {@code index}, for inspection (simulation invariants, debugging). */
    public Entry entry(long index) {
        return log.entry(index);
    }

    public RaftConfig config() {
        return config;
    }
}
