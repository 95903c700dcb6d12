package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Message.AppendEntries;
import io.kvstore.raft.core.Message.AppendEntriesResponse;
import io.kvstore.raft.core.Message.Heartbeat;
import io.kvstore.raft.core.Message.HeartbeatResponse;
import io.kvstore.raft.core.Message.InstallSnapshot;
import io.kvstore.raft.core.Message.ReadIndexRequest;
import io.kvstore.raft.core.Message.ReadIndexResponse;
import io.kvstore.raft.core.Message.RequestVote;
import io.kvstore.raft.core.Message.RequestVoteResponse;
import io.kvstore.raft.core.Message.TimeoutNow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol of one member, as a deterministic state machine: no threads, no I/O, no clock. Time enters
 * through {@link #tick()}, the network through {@link #step(Message)}, clients through {@link #propose},
 * {@link #proposeMembershipChange}, {@link #transferLeadership} and {@link #readIndex}; what must be persisted,
 * sent and applied comes out of {@link #ready()}, whose Javadoc states the order. Randomness (election jitter) comes
 * only from the injected generator, so a seeded simulation replays exactly.
 *
 * <p>Not thread-safe: one thread (the runtime's event loop, or the simulator) owns an instance.
 *
 * <p>This class is larger than the few hundred lines we aim for because the role handlers share most of the
 * member's state; read-index bookkeeping lives in {@link ReadIndexTracker} and per-follower replication state in
 * {@link Progress}. Each handler is short and named after the rule of the paper it implements.
 */
public final class RaftCore {
    /** A learner is promoted only when it is at most this many entries behind the leader's log. */
    static final long PROMOTION_LAG_MAX = 1024;
    /** Election timeouts a leader waits for a snapshot to be installed before offering it again. */
    private static final int SNAPSHOT_TIMEOUT_ELECTIONS = 10;

    private final RaftConfig config;
    private final RandomGenerator random;
    private final RaftLog log;
    private final String id;

    private long term;
    private String votedFor;
    private String leaderId;
    private Role role = Role.FOLLOWER;
    private HardState persistedHardState;

    private Membership membership;
    /** {@link RaftLog#configChanges()} when the membership was last read from the log. */
    private long seenConfigChanges = -1;
    /** Voters and learners other than this member, sorted: iteration order decides message order. */
    private List<String> peers;

    private int electionElapsed;
    private int heartbeatElapsed;
    /** With lease reads: ticks since this core started, up to electionTicks (see RaftConfig#leaseReads). */
    private int ticksSinceStart;
    private int randomizedElectionTicks;

    private final Set<String> votesGranted = new HashSet<>();
    private final Set<String> votesRejected = new HashSet<>();

    /** Leader only: one entry per peer, sorted by id. */
    private final Map<String, Progress> progress = new TreeMap<>();
    private long uncommittedBytes;
    private boolean appendBroadcastPending;
    private final ReadIndexTracker reads = new ReadIndexTracker();
    /** Leader only: the member leadership is being handed to, or null; and ticks spent on it. */
    private String transferTarget;
    private int transferElapsed;

    private SnapshotMeta snapshotToInstall;
    private final List<Message> messagesBeforePersist = new ArrayList<>();
    private final List<Message> messagesAfterPersist = new ArrayList<>();

    /**
     * Restores a member from its durable state.
     *
     * @param config this member's configuration; {@code config.voters()} is the bootstrap membership, used only
     *     while neither the log nor a snapshot records one (empty for a member joining an existing cluster)
     * @param hardState the last durable hard state ({@link HardState#EMPTY} for a new member)
     * @param snapshot the last durable snapshot marker ({@link SnapshotMeta#NONE} when never compacted)
     * @param entries the durable log after the snapshot, consecutive
     * @param appliedIndex the state machine's durable applied index; entries after it will be applied again
     * @param random the only source of randomness (election jitter)
     */
    public RaftCore(RaftConfig config, HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
                    long appliedIndex, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        this.id = config.id();
        SnapshotMeta base = snapshot.index() == 0
                ? new SnapshotMeta(0, 0, Membership.ofVoters(config.voters())) : snapshot;
        long lastIndex = base.index() + entries.size();
        this.log = new RaftLog(base, entries, Math.min(hardState.commit(), lastIndex), appliedIndex);
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.persistedHardState = hardState;
        refreshMembership();
        resetElectionTimer();
    }

    /** Restores a member whose log was never compacted. */
    public RaftCore(RaftConfig config, HardState hardState, List<Entry> entries, long appliedIndex,
                    RandomGenerator random) {
        this(config, hardState, SnapshotMeta.NONE, entries, appliedIndex, random);
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: followers count towards an election, leaders towards a heartbeat. */
    public void tick() {
        if (ticksSinceStart < config.electionTicks()) {
            ticksSinceStart++;
        }
        if (role == Role.LEADER) {
            tickLeader();
            return;
        }
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTicks) {
            if (promotable()) {
                campaign(false);
            } else {
                // Learners and removed members never campaign; they wait to hear from a leader.
                resetElectionTimer();
            }
        }
    }

    /**
     * Whether this member may campaign: it is a voter in the membership in force, or in the last committed one while
     * a change is still uncommitted. The second case matters when a leader appended its own removal and then lost
     * leadership before committing it: the remaining voters may lack the removal entry and need this member's
     * (more up-to-date) log to elect anyone, so it must be able to win, commit the removal and step down
     * (found by the simulation, seed 496).
     */
    private boolean promotable() {
        return membership.voters().contains(id)
                || (log.lastConfigIndex() > log.committed && log.membershipAt(log.committed).voters().contains(id));
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (transferTarget != null && ++transferElapsed >= config.electionTicks()) {
            transferTarget = null; // the target did not take over in time: keep leading (the runtime reports it)
        }
        for (Progress p : progress.values()) {
            if (p.state == Progress.State.SNAPSHOT
                    && ++p.snapshotTicks >= SNAPSHOT_TIMEOUT_ELECTIONS * config.electionTicks()) {
                p.becomeProbe(); // the offer or its answer was lost: offer again (the transfer itself resumes)
            }
        }
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
        ProposeResult refusal = refuseProposal();
        if (refusal != null) {
            return refusal;
        }
        Entry entry = new Entry(log.lastIndex() + 1, term, Entry.Type.COMMAND, command);
        appendAsLeader(entry);
        return new ProposeResult.Accepted(entry.index(), entry.term());
    }

    private ProposeResult refuseProposal() {
        if (role != Role.LEADER) {
            return new ProposeResult.NotLeader(leaderId);
        }
        if (transferTarget != null) {
            return new ProposeResult.Busy("leadership is being transferred to " + transferTarget);
        }
        if (uncommittedBytes > config.maxUncommittedBytes()) {
            return new ProposeResult.Busy("uncommitted data exceeds " + config.maxUncommittedBytes() + " bytes");
        }
        return null;
    }

    /**
     * Proposes one single-server membership change (dissertation §4.1). Refused as {@link ProposeResult.Busy} until
     * the leader has committed an entry of its own term (the bug Ongaro described on raft-dev in 2015: a new leader
     * could otherwise append a change that conflicts with an uncommitted one of a previous leader) and while an
     * earlier change is uncommitted; a learner is promoted only once it has caught up.
     */
    public ProposeResult proposeMembershipChange(MembershipChange change) {
        ProposeResult refusal = refuseProposal();
        if (refusal != null) {
            return refusal;
        }
        if (log.term(log.committed) != term) {
            return new ProposeResult.Busy("the leader has not yet committed an entry of its term");
        }
        if (log.lastConfigIndex() > log.committed) {
            return new ProposeResult.Busy("an earlier membership change is not yet committed");
        }
        Membership next;
        try {
            next = membership.apply(change);
        } catch (IllegalArgumentException e) {
            return new ProposeResult.Rejected(e.getMessage());
        }
        if (change.kind() == MembershipChange.Kind.PROMOTE) {
            Progress p = progress.get(change.memberId());
            long behind = log.lastIndex() - (p == null ? 0 : p.match);
            if (p == null || p.state != Progress.State.REPLICATE || behind > PROMOTION_LAG_MAX) {
                return new ProposeResult.Busy("learner " + change.memberId() + " has not caught up ("
                        + behind + " entries behind)");
            }
        }
        Entry entry = new Entry(log.lastIndex() + 1, term, Entry.Type.CONFIG, next.encode());
        appendAsLeader(entry);
        return new ProposeResult.Accepted(entry.index(), entry.term());
    }

    /**
     * Starts handing leadership to {@code target} (or, when null, to the voter with the most log). The leader stops
     * taking proposals, brings the target up to date and tells it to campaign at once (dissertation §3.10). If the
     * target has not taken over within an election timeout, the transfer is abandoned and this member keeps leading.
     */
    public ProposeResult transferLeadership(String target) {
        if (role != Role.LEADER) {
            return new ProposeResult.NotLeader(leaderId);
        }
        String chosen = target != null ? target : mostUpToDateVoter();
        if (chosen == null || !membership.voters().contains(chosen)) {
            return new ProposeResult.Rejected("'" + (chosen == null ? "no other voter" : chosen)
                    + "' is not a voter of this cluster");
        }
        if (chosen.equals(id)) {
            return new ProposeResult.Accepted(log.lastIndex(), term);
        }
        transferTarget = chosen;
        transferElapsed = 0;
        Progress p = progress.get(chosen);
        if (p.match == log.lastIndex()) {
            send(new TimeoutNow(id, chosen, term), true);
        } else {
            sendAppend(chosen, p);
        }
        return new ProposeResult.Accepted(log.lastIndex(), term);
    }

    private String mostUpToDateVoter() {
        String best = null;
        long bestMatch = -1;
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            if (membership.voters().contains(e.getKey()) && e.getValue().match > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match;
            }
        }
        return best;
    }

    /**
     * Requests a linearizable read index (dissertation §6.4). A leader confirms it with a quorum heartbeat round;
     * a follower asks its leader to (§6.4.1). Returns false when no leader is known. The answer is a
     * {@link ReadState} with {@code requestId} in a later {@link Ready}; when leadership is lost first, the answer
     * is -1 (failed). A follower's request or its answer may be lost with a message: the runtime must time such
     * requests out.
     */
    public boolean readIndex(long requestId) {
        if (role == Role.LEADER) {
            reads.request(requestId, id, log.term(log.committed) == term, log.committed);
            confirmSingleVoterReads();
            return true;
        }
        if (role == Role.FOLLOWER && leaderId != null) {
            send(new ReadIndexRequest(id, leaderId, term, requestId), true);
            return true;
        }
        return false;
    }

    /**
     * Records that the state machine captured every entry up to {@code index} in a snapshot: the log before it is
     * dropped from memory. The runtime then calls {@code LogStore.compact} with the returned metadata.
     *
     * @throws IllegalStateException when {@code index} is beyond the applied index
     */
    public SnapshotMeta compact(long index) {
        return log.compact(index);
    }

    /** The runtime could not deliver the snapshot offered to {@code peer}: fall back to probing (and offer again). */
    public void reportSnapshotFailed(String peer) {
        Progress p = progress.get(peer);
        if (p != null && p.state == Progress.State.SNAPSHOT) {
            p.becomeProbe();
        }
    }

    /** Handles one message from another member. Messages addressed to someone else are ignored. */
    public void step(Message m) {
        if (!id.equals(m.to()) || id.equals(m.from())) {
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
        } else if (m instanceof ReadIndexRequest r && role != Role.LEADER) {
            send(new ReadIndexResponse(id, r.from(), term, r.requestId(), -1), false);
        } else if (role == Role.LEADER) {
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
            if (inLease() && !rv.transfer()) {
                // We heard from a live leader within the election timeout: a member that cannot hear it (removed,
                // partitioned, restarted) must not depose it (dissertation §4.2.3). A transfer target may.
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
        boolean fromLeader = m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot
                || m instanceof TimeoutNow;
        becomeFollower(m.term(), fromLeader ? m.from() : null);
        return true;
    }

    private void answerStaleTerm(Message m) {
        if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
            // A deposed leader (perhaps cut off while we moved on) learns our term and steps down; without this a
            // leader behind a partial partition would never hear the higher term when pre-vote is on.
            send(new HeartbeatResponse(id, m.from(), term, 0), false);
        } else if (m instanceof RequestVote rv && rv.preVote()) {
            send(new RequestVoteResponse(id, m.from(), term, false, true), false);
        } else if (m instanceof ReadIndexRequest r) {
            send(new ReadIndexResponse(id, r.from(), term, r.requestId(), -1), false);
        }
    }

    private boolean inLease() {
        if (config.leaseReads() && ticksSinceStart < config.electionTicks()) {
            return true; // we may have been in a lease just before a restart: honour it for one more timeout
        }
        return config.checkQuorum() && leaderId != null && electionElapsed < config.electionTicks();
    }

    // ---------------------------------------------------------------- elections (Raft §5.2, dissertation §9.6)

    private void campaign(boolean transfer) {
        if (config.preVote() && !transfer) {
            becomePreCandidate();
        } else {
            becomeCandidate(transfer);
        }
    }

    private void requestVotes(boolean preVote, boolean transfer) {
        long campaignTerm = preVote ? term + 1 : term;
        votesGranted.clear();
        votesRejected.clear();
        if (membership.voters().contains(id)) {
            votesGranted.add(id);
        }
        if (votesGranted.size() >= membership.quorum()) {
            winVote(preVote);
            return;
        }
        for (String peer : peers) {
            if (membership.voters().contains(peer)) {
                send(new RequestVote(id, peer, campaignTerm, log.lastIndex(), log.lastTerm(), preVote, transfer),
                        true);
            }
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
        send(new RequestVoteResponse(id, rv.from(), answerTerm, grant, rv.preVote()), false);
    }

    private void stepCandidate(Message m) {
        if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
            becomeFollower(term, m.from());
            stepFollower(m);
        } else if (m instanceof RequestVoteResponse r && r.preVote() == (role == Role.PRE_CANDIDATE)
                && membership.voters().contains(r.from())) {
            (r.granted() ? votesGranted : votesRejected).add(r.from());
            if (votesGranted.size() >= membership.quorum()) {
                winVote(r.preVote());
            } else if (votesRejected.size() >= membership.quorum()) {
                becomeFollower(term, null);
            }
        }
    }

    private void winVote(boolean preVote) {
        if (preVote) {
            becomeCandidate(false);
        } else {
            becomeLeader();
        }
    }

    // ---------------------------------------------------------------- followers (Raft §5.3)

    private void stepFollower(Message m) {
        if (m instanceof AppendEntries ae) {
            heardFromLeader(ae.from());
            handleAppend(ae);
        } else if (m instanceof Heartbeat hb) {
            heardFromLeader(hb.from());
            handleHeartbeat(hb);
        } else if (m instanceof InstallSnapshot is) {
            heardFromLeader(is.from());
            handleInstallSnapshot(is);
        } else if (m instanceof TimeoutNow) {
            if (promotable()) {
                campaign(true);
            }
        } else if (m instanceof ReadIndexResponse r) {
            reads.answerLocal(r.requestId(), r.index());
        }
    }

    private void heardFromLeader(String leader) {
        electionElapsed = 0;
        leaderId = leader;
    }

    private void handleAppend(AppendEntries ae) {
        if (ae.prevLogIndex() < log.committed) {
            // Everything up to our commit index matches any leader's log (leader completeness).
            send(new AppendEntriesResponse(id, ae.from(), term, true, log.committed, 0, 0), false);
            return;
        }
        if (log.matchTerm(ae.prevLogIndex(), ae.prevLogTerm())) {
            long lastNew = log.appendFromLeader(ae.prevLogIndex(), ae.entries());
            refreshMembership();
            log.commitTo(Math.min(ae.leaderCommit(), lastNew));
            send(new AppendEntriesResponse(id, ae.from(), term, true, lastNew, 0, 0), false);
            return;
        }
        long hintIndex = log.lastIndexWithTermAtMost(ae.prevLogIndex(), ae.prevLogTerm());
        send(new AppendEntriesResponse(id, ae.from(), term, false, ae.prevLogIndex(), hintIndex,
                log.term(hintIndex)), false);
    }

    private void handleHeartbeat(Heartbeat hb) {
        log.commitTo(Math.min(hb.commit(), log.lastIndex()));
        send(new HeartbeatResponse(id, hb.from(), term, hb.round()), false);
    }

    /**
     * The runtime steps this in once the snapshot is staged locally. If our log already holds the snapshot's last
     * entry we only advance the commit index; otherwise the whole log is replaced and the runtime restores the state
     * machine (dissertation §5.3 / Raft Figure 13's rules 6–8).
     */
    private void handleInstallSnapshot(InstallSnapshot is) {
        SnapshotMeta meta = is.meta();
        if (meta.index() <= log.committed) {
            send(new AppendEntriesResponse(id, is.from(), term, true, log.committed, 0, 0), false);
            return;
        }
        if (log.matchTerm(meta.index(), meta.term())) {
            log.commitTo(meta.index());
        } else {
            log.restore(meta);
            snapshotToInstall = meta;
            refreshMembership();
        }
        send(new AppendEntriesResponse(id, is.from(), term, true, meta.index(), 0, 0), false);
    }

    // ---------------------------------------------------------------- leaders

    private void stepLeader(Message m) {
        if (m instanceof ReadIndexRequest r) {
            reads.request(r.requestId(), r.from(), log.term(log.committed) == term, log.committed);
            confirmSingleVoterReads();
            return;
        }
        Progress p = progress.get(m.from());
        if (p == null) {
            return; // not (or no longer) a member
        }
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
        boolean moved = p.acknowledge(r.index());
        if (p.state == Progress.State.SNAPSHOT && p.match >= p.pendingSnapshot) {
            p.becomeReplicate();
        } else if (moved && p.state == Progress.State.PROBE) {
            p.becomeReplicate();
        }
        if (!moved) {
            if (wasPaused && !p.paused()) {
                sendAppend(r.from(), p);
            }
            return;
        }
        if (maybeCommit()) {
            if (role != Role.LEADER) {
                return; // the commit removed us from the cluster and we stepped down
            }
            // Followers learn the new commit index with the next append; send it now so they apply promptly.
            appendBroadcastPending = true;
        }
        if (r.from().equals(transferTarget) && p.match == log.lastIndex()) {
            send(new TimeoutNow(id, r.from(), term), true);
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
        if (r.round() > p.ackedRound && membership.voters().contains(r.from())) {
            p.ackedRound = r.round();
            confirmReads();
        }
    }

    private void confirmReads() {
        reads.confirm(this::quorumAckedRound, this::answerRead);
    }

    private boolean quorumAckedRound(long round) {
        int acks = membership.voters().contains(id) ? 1 : 0;
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            if (e.getValue().ackedRound >= round && membership.voters().contains(e.getKey())) {
                acks++;
            }
        }
        return acks >= membership.quorum();
    }

    private void confirmSingleVoterReads() {
        if (membership.voters().size() == 1 && membership.voters().contains(id)) {
            reads.confirm(round -> true, this::answerRead);
        }
    }

    private void answerRead(String origin, long requestId, long index) {
        if (origin.equals(id)) {
            reads.answerLocal(requestId, index);
        } else {
            send(new ReadIndexResponse(id, origin, term, requestId, index), true);
        }
    }

    private void appendAsLeader(Entry entry) {
        log.appendNew(entry);
        uncommittedBytes += entry.sizeBytes();
        appendBroadcastPending = true;
        if (entry.type() == Entry.Type.CONFIG) {
            refreshMembership();
        }
        if (peers.isEmpty()) {
            maybeCommit();
        }
    }

    private void sendAppend(String peer, Progress p) {
        if (p.paused()) {
            return;
        }
        long prevIndex = p.next - 1;
        long prevTerm = log.term(prevIndex);
        if (prevTerm < 0) {
            // The follower needs entries we compacted away: it gets the snapshot instead.
            SnapshotMeta meta = log.snapshot();
            p.becomeSnapshot(meta.index());
            send(new InstallSnapshot(id, peer, term, meta), true);
            return;
        }
        List<Entry> entries = log.slice(p.next, config.maxMsgBytes());
        AppendEntries ae = new AppendEntries(id, peer, term, prevIndex, prevTerm, entries, log.committed);
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
        long round = reads.nextRound();
        for (String peer : peers) {
            Progress p = progress.get(peer);
            send(new Heartbeat(id, peer, term, Math.min(p.match, log.committed), round), true);
        }
    }

    /** Commits the highest index a quorum of voters has durably, if it is from this term (Raft §5.4.2). */
    private boolean maybeCommit() {
        Set<String> voters = membership.voters();
        long[] matches = new long[voters.size()];
        int i = 0;
        for (String voter : voters) {
            matches[i++] = voter.equals(id) ? log.persistedIndex : progress.get(voter).match;
        }
        Arrays.sort(matches);
        long quorumIndex = matches[matches.length - membership.quorum()];
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
            reads.termCommitted(log.committed);
            confirmSingleVoterReads();
        }
        if (!voters.contains(id) && log.committed >= log.lastConfigIndex()) {
            // Our own removal is committed: we managed the cluster until now (dissertation §4.2.2); step down.
            becomeFollower(term, null);
        }
        return true;
    }

    private boolean quorumRecentlyActive() {
        int active = membership.voters().contains(id) ? 1 : 0;
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            if (e.getValue().recentActive && membership.voters().contains(e.getKey())) {
                active++;
            }
        }
        return active >= membership.quorum();
    }

    // ---------------------------------------------------------------- membership

    /**
     * Re-reads the membership in force from the log (the last CONFIG entry, committed or not, else the snapshot's)
     * after any change to the log, so a truncated CONFIG entry rolls the membership back; keeps a leader's progress
     * map in step with it.
     */
    private void refreshMembership() {
        if (membership != null && seenConfigChanges == log.configChanges()) {
            return;
        }
        seenConfigChanges = log.configChanges();
        Membership now = log.membership();
        if (now.equals(membership)) {
            return;
        }
        membership = now;
        peers = now.all().stream().filter(m -> !m.equals(id)).toList();
        if (role == Role.LEADER) {
            progress.keySet().retainAll(peers);
            for (String peer : peers) {
                progress.computeIfAbsent(peer, k -> newProgress());
            }
            if (transferTarget != null && !now.voters().contains(transferTarget)) {
                transferTarget = null;
            }
        }
    }

    private Progress newProgress() {
        Progress p = new Progress(log.lastIndex() + 1, config.maxInflightMsgs(), config.maxInflightBytes());
        p.recentActive = true;
        return p;
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
        requestVotes(true, false);
    }

    private void becomeCandidate(boolean transfer) {
        role = Role.CANDIDATE;
        term++;
        votedFor = id;
        leaderId = null;
        resetLeaderState();
        resetElectionTimer();
        requestVotes(false, transfer);
    }

    private void becomeLeader() {
        Invariants.check(role == Role.CANDIDATE, "only a candidate can become leader, was %s", role);
        role = Role.LEADER;
        leaderId = id;
        resetLeaderState();
        electionElapsed = 0;
        for (String peer : peers) {
            progress.put(peer, newProgress());
        }
        // An entry of our own term lets us commit (and so learn the commit index of) earlier terms (Raft §5.4.2).
        appendAsLeader(new Entry(log.lastIndex() + 1, term, Entry.Type.NOOP, ByteString.EMPTY));
    }

    private void resetLeaderState() {
        progress.clear();
        uncommittedBytes = 0;
        heartbeatElapsed = 0;
        appendBroadcastPending = false;
        transferTarget = null;
        reads.dropAll(this::answerRead);
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        randomizedElectionTicks = config.electionTicks() + random.nextInt(config.electionTicks());
    }

    // ---------------------------------------------------------------- output

    private void send(Message m, boolean beforePersist) {
        (beforePersist ? messagesBeforePersist : messagesAfterPersist).add(m);
    }

    /** Whether {@link #ready()} has anything to do. */
    public boolean hasReady() {
        return appendBroadcastPending || reads.broadcastPending() || snapshotToInstall != null
                || !messagesBeforePersist.isEmpty() || !messagesAfterPersist.isEmpty()
                || log.lastIndex() > log.persistedIndex || log.committed > log.applied
                || reads.hasAnswers() || termOrVoteChanged();
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
        if (appendBroadcastPending) {
            appendBroadcastPending = false;
            broadcastAppend();
        }
        if (reads.broadcastPending()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
        List<Entry> toPersist = log.between(log.persistedIndex, log.lastIndex());
        Ready ready = new Ready(
                snapshotToInstall,
                hardStateToPersist(!toPersist.isEmpty() || snapshotToInstall != null),
                toPersist,
                messagesBeforePersist,
                messagesAfterPersist,
                log.between(log.applied, log.committed),
                reads.takeAnswers());
        messagesBeforePersist.clear();
        messagesAfterPersist.clear();
        snapshotToInstall = null;
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
        if (role == Role.LEADER && maybeCommit() && role == Role.LEADER) {
            appendBroadcastPending = !peers.isEmpty();
        }
    }

    // ---------------------------------------------------------------- inspection

    public RaftStatus status() {
        return new RaftStatus(id, role, term, leaderId, log.committed, log.applied, log.lastIndex());
    }

    /** The membership in force on this member (the last one in its log, committed or not). */
    public Membership membership() {
        return membership;
    }

    /** The last snapshot this member's log starts after. */
    public SnapshotMeta snapshot() {
        return log.snapshot();
    }

    /**
     * For lease reads (opt-in, runtime side): the commit index a leader may serve a read at without a heartbeat
     * round, or -1 when it must not — not leader, no entry of its term committed yet (etcd #7331), or a leadership
     * transfer under way (the target campaigns inside everyone's lease, so the lease is void; etcd-io/raft #99).
     * The runtime must also check that the lease has not expired in real time, see {@link #quorumAckedRound()}.
     */
    public long leaseReadIndex() {
        if (role != Role.LEADER || transferTarget != null || log.term(log.committed) != term) {
            return -1;
        }
        return log.committed;
    }

    /**
     * The highest heartbeat round a quorum of voters (this leader included) has answered; 0 when none or not
     * leader. Every voter that answered round R heard from this leader after R was sent, so none of them votes for
     * another candidate until an election timeout after that (check-quorum's lease): the runtime turns this into a
     * real-time lease by remembering when it sent each round.
     */
    public long quorumAckedRound() {
        if (role != Role.LEADER) {
            return 0;
        }
        List<Long> rounds = new ArrayList<>();
        for (String voter : membership.voters()) {
            if (voter.equals(id)) {
                rounds.add(Long.MAX_VALUE);
            } else {
                rounds.add(progress.get(voter).ackedRound);
            }
        }
        rounds.sort(null);
        return rounds.get(rounds.size() - membership.quorum());
    }

    /** The member leadership is being transferred to, or null. */
    public String transferTarget() {
        return transferTarget;
    }

    /** How far each peer's log matches this leader's (empty unless leader), for operators and promotion checks. */
    public Map<String, Long> matchIndexes() {
        Map<String, Long> matches = new TreeMap<>();
        progress.forEach((peer, p) -> matches.put(peer, p.match));
        return matches;
    }

    /** The term of the entry at {@code index}: -1 when compacted away (but for the snapshot's index) or absent. */
    public long logTerm(long index) {
        return log.term(index);
    }

    /** The entry at {@code index}, for inspection (simulation invariants, debugging); it must not be compacted. */
    public Entry entry(long index) {
        return log.entry(index);
    }

    public RaftConfig config() {
        return config;
    }
}
