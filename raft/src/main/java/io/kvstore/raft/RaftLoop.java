package io.kvstore.raft;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.MembershipChange;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.ProposeResult;
import io.kvstore.raft.core.RaftCore;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.core.ReadState;
import io.kvstore.raft.core.Ready;
import io.kvstore.raft.core.Role;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.snapshot.SnapshotFetcher;
import io.kvstore.raft.snapshot.SnapshotStore;
import io.kvstore.raft.transport.Transport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The event loop of a {@link RaftNode}: the only thread that touches the {@link RaftCore} and the {@link LogStore}.
 * Other threads only enqueue events. Each turn drains a batch of events into the core, ticks when a tick is due,
 * then handles every {@link Ready} in the order its Javadoc states; one fsync per Ready covers every proposal of
 * the batch (group commit).
 *
 * <p>Snapshots: the apply thread takes them and enqueues {@code SnapshotTaken}; this loop compacts the core, makes
 * the snapshot complete on disk, and only then compacts and syncs the log. An {@code InstallSnapshot} offer is
 * stepped into the core only once the snapshot is complete locally; until then the {@link SnapshotFetcher} pulls
 * it from the leader on its own thread and enqueues the offer again when done.
 */
final class RaftLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(RaftLoop.class);
    /** Events waiting for the loop. About a second of heavy load; beyond it, callers get "busy" and messages drop. */
    static final int EVENT_QUEUE_MAX = 8192;
    /** Events per turn: large enough to batch many proposals into one fsync, small enough to keep ticks on time. */
    static final int EVENTS_PER_TURN_MAX = 1024;
    /** Readies per turn; the core produces one or two per turn normally, the bound only guards against a bug. */
    private static final int READIES_PER_TURN_MAX = 64;

    private sealed interface Event {}

    private record Inbound(Message message) implements Event {}

    private record Propose(ByteString command, CompletableFuture<Object> future) implements Event {}

    private record Read(CompletableFuture<Long> future) implements Event {}

    private record Wakeup() implements Event {}

    private record ChangeMembership(MembershipChange change, CompletableFuture<Object> future) implements Event {}

    private record Transfer(String target, CompletableFuture<String> future) implements Event {}

    private record SnapshotTaken(SnapshotStore.Prepared prepared) implements Event {}

    private record SnapshotUnavailable(String peer) implements Event {}

    /** A read waiting for its read index; forwarded ones may be lost with a message, so each has a deadline. */
    private record PendingRead(CompletableFuture<Long> future, long deadlineNanos) {}

    /** A leadership transfer in flight: done when another member leads, failed at the deadline. */
    private record PendingTransfer(String target, CompletableFuture<String> future, long deadlineNanos) {}

    private final String memberId;
    private final RaftCore core;
    private final LogStore logStore;
    private final Transport transport;
    private final ApplyLoop applyLoop;
    private final SnapshotStore snapshots;
    private final SnapshotFetcher fetcher;
    private final AtomicLong snapshotsInstalled = new AtomicLong();
    private final AtomicLong snapshotsTaken = new AtomicLong();
    private final long tickNanos;
    private final Consumer<Throwable> onFatal;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(EVENT_QUEUE_MAX);
    private final AtomicLong inboundDropped = new AtomicLong();
    // loop-thread confined
    /** Insertion-ordered, and every read gets the same timeout, so expired ones are always at the head. */
    private final Map<Long, PendingRead> reads = new LinkedHashMap<>();
    private final long readTimeoutNanos;
    private final long transferTimeoutNanos;
    private PendingTransfer transfer;
    private Membership lastMembership;
    private final Consumer<Membership> onMembershipChange;
    private long nextReadId;
    private RaftStatus lastStatus;
    /** Last log index made durable by a sync of this loop (or recovered): what may be applied before a sync. */
    private long durableIndex;

    private volatile RaftStatus status;
    private volatile boolean stopping;
    /** Null unless lease reads are enabled. */
    private final LeaseClock leaseClock;

    RaftLoop(String memberId, RaftCore core, LogStore logStore, Transport transport, ApplyLoop applyLoop,
             SnapshotStore snapshots, SnapshotFetcher fetcher, long tickMillis, Consumer<Throwable> onFatal,
             Consumer<Membership> onMembershipChange, LeaseClock leaseClock) {
        this.leaseClock = leaseClock;
        this.memberId = memberId;
        this.snapshots = snapshots;
        this.fetcher = fetcher;
        this.core = core;
        this.logStore = logStore;
        this.transport = transport;
        this.applyLoop = applyLoop;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        int electionTicks = core.config().electionTicks();
        // A read forwarded to the leader, or a transfer, that has not finished within two election timeouts will
        // not: the message was lost or leadership moved. The caller retries.
        this.readTimeoutNanos = 2L * electionTicks * tickNanos;
        this.transferTimeoutNanos = 2L * electionTicks * tickNanos;
        this.onMembershipChange = onMembershipChange;
        this.lastMembership = core.membership();
        this.onFatal = onFatal;
        this.status = core.status();
        this.lastStatus = status;
        this.durableIndex = status.lastIndex(); // the core starts from the recovered, durable log
    }

    /** Latest status the loop published. Any thread. */
    RaftStatus status() {
        return status;
    }

    /** Transport threads: enqueue or drop (raft retransmits). */
    void offerInbound(Message message) {
        if (stopping || !queue.offer(new Inbound(message))) {
            inboundDropped.incrementAndGet();
        }
    }

    void propose(ByteString command, CompletableFuture<Object> future) {
        enqueue(new Propose(command, future), future);
    }

    void readIndex(CompletableFuture<Long> future) {
        enqueue(new Read(future), future);
    }

    void changeMembership(MembershipChange change, CompletableFuture<Object> future) {
        enqueue(new ChangeMembership(change, future), future);
    }

    void transferLeadership(String target, CompletableFuture<String> future) {
        enqueue(new Transfer(target, future), future);
    }

    /**
     * Apply thread: a snapshot was taken. Blocks while the queue is full rather than drop it: a dropped one would
     * leave its temp directory behind and stop further snapshots until restart.
     */
    void snapshotTaken(SnapshotStore.Prepared prepared) {
        try {
            while (!stopping && !queue.offer(new SnapshotTaken(prepared), 10, TimeUnit.MILLISECONDS)) {
                // the loop drains the queue every turn
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Snapshot server thread: {@code peer} asked for a snapshot this member no longer has. Dropped when full. */
    void snapshotUnavailable(String peer) {
        queue.offer(new SnapshotUnavailable(peer));
    }

    /** Snapshots installed from a leader since start. Any thread. */
    long snapshotsInstalled() {
        return snapshotsInstalled.get();
    }

    /** Local snapshots committed (and the log compacted to them) since start. Any thread. */
    long snapshotsTaken() {
        return snapshotsTaken.get();
    }

    private void enqueue(Event event, CompletableFuture<?> future) {
        if (stopping) {
            future.completeExceptionally(new RaftClosedException("member " + memberId + " is closed"));
        } else if (!queue.offer(event)) {
            future.completeExceptionally(new RaftBusyException("member " + memberId + " has "
                    + EVENT_QUEUE_MAX + " requests queued"));
        }
    }

    /** Asks the loop to exit after its current turn. Any thread. */
    void stop() {
        stopping = true;
        queue.offer(new Wakeup());
    }

    @Override
    public void run() {
        MDC.put("member", memberId);
        List<Event> batch = new ArrayList<>(EVENTS_PER_TURN_MAX);
        long nextTickAtNanos = System.nanoTime() + tickNanos;
        try {
            while (!stopping) {
                long waitNanos = core.hasReady() ? 0 : nextTickAtNanos - System.nanoTime();
                Event first = waitNanos > 0 ? queue.poll(waitNanos, TimeUnit.NANOSECONDS) : queue.poll();
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, EVENTS_PER_TURN_MAX - 1);
                    for (Event event : batch) {
                        handle(event);
                    }
                    batch.clear();
                }
                long now = System.nanoTime();
                if (now - nextTickAtNanos >= 0) {
                    core.tick();
                    // Missed ticks are dropped, not replayed: a stalled member must not fire a burst of timeouts.
                    nextTickAtNanos = Math.max(nextTickAtNanos + tickNanos, now + tickNanos / 2);
                }
                processReadies();
                publishStatus();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException | Error e) {
            onFatal.accept(e); // an I/O failure leaves durability unknown: the member must stop
        } finally {
            stopping = true;
            failPendingReads(new RaftClosedException("member " + memberId + " is closed"));
            failQueued();
            MDC.remove("member");
            MDC.remove("term");
        }
    }

    private void handle(Event event) throws IOException, InterruptedException {
        if (event instanceof Inbound inbound) {
            if (inbound.message instanceof Message.InstallSnapshot offer && needsFetch(offer)) {
                fetcher.offer(offer);
            } else {
                core.step(inbound.message);
            }
        } else if (event instanceof SnapshotTaken taken) {
            compact(taken.prepared);
        } else if (event instanceof SnapshotUnavailable unavailable) {
            core.reportSnapshotFailed(unavailable.peer);
        } else if (event instanceof Propose propose) {
            ProposeResult result = core.propose(propose.command);
            if (result instanceof ProposeResult.Accepted accepted) {
                applyLoop.registerProposal(accepted.index(), accepted.term(), propose.future);
            } else if (result instanceof ProposeResult.NotLeader notLeader) {
                propose.future.completeExceptionally(new NotLeaderException(memberId, notLeader.leaderHint()));
            } else if (result instanceof ProposeResult.Busy busy) {
                propose.future.completeExceptionally(new RaftBusyException(busy.reason()));
            }
        } else if (event instanceof Read read) {
            long leaseIndex = leaseClock == null ? -1 : leaseClock.readIndex(core, System.nanoTime());
            if (leaseIndex >= 0) {
                applyLoop.submitRead(leaseIndex, read.future);
                return;
            }
            long requestId = ++nextReadId;
            if (core.readIndex(requestId)) {
                reads.put(requestId, new PendingRead(read.future, System.nanoTime() + readTimeoutNanos));
            } else {
                read.future.completeExceptionally(new NotLeaderException(memberId, core.status().leaderId()));
            }
        } else if (event instanceof ChangeMembership change) {
            completeProposal(core.proposeMembershipChange(change.change), change.future);
        } else if (event instanceof Transfer t) {
            startTransfer(t);
        }
    }

    /**
     * Whether the core would install this offer's snapshot, which must then be complete locally first. Offers the
     * core answers without the data (a stale term, an index our log already has or commits) go straight in.
     */
    private boolean needsFetch(Message.InstallSnapshot offer) {
        SnapshotMeta meta = offer.meta();
        RaftStatus now = core.status();
        return offer.term() >= now.term()
                && meta.index() > now.commitIndex()
                && core.logTerm(meta.index()) != meta.term()
                && !snapshots.contains(SnapshotStore.SnapshotId.of(meta));
    }

    /**
     * Compacts to a snapshot the apply thread took: the core first (which names its term and membership), then
     * the snapshot directory is completed, and only then the log drops what it covers. When a snapshot from the
     * leader was installed meanwhile, the local one is stale and discarded.
     */
    private void compact(SnapshotStore.Prepared prepared) throws IOException {
        SnapshotMeta meta = core.compact(prepared.index());
        if (meta.index() != prepared.index()) {
            snapshots.abandon(prepared);
            applyLoop.snapshotDone(meta.index());
            return;
        }
        snapshots.commit(prepared, meta);
        logStore.compact(meta);
        logStore.sync();
        snapshots.retain(SnapshotStore.SnapshotId.of(meta));
        applyLoop.snapshotDone(meta.index());
        snapshotsTaken.incrementAndGet();
        log.debug("member {} compacted its log to snapshot {}-{}", memberId, meta.index(), meta.term());
    }

    private void completeProposal(ProposeResult result, CompletableFuture<Object> future) {
        if (result instanceof ProposeResult.Accepted accepted) {
            applyLoop.registerProposal(accepted.index(), accepted.term(), future);
        } else if (result instanceof ProposeResult.NotLeader notLeader) {
            future.completeExceptionally(new NotLeaderException(memberId, notLeader.leaderHint()));
        } else if (result instanceof ProposeResult.Busy busy) {
            future.completeExceptionally(new RaftBusyException(busy.reason()));
        } else if (result instanceof ProposeResult.Rejected rejected) {
            future.completeExceptionally(new IllegalArgumentException(rejected.reason()));
        }
    }

    private void startTransfer(Transfer t) {
        if (transfer != null) {
            t.future.completeExceptionally(new RaftBusyException("a leadership transfer to " + transfer.target()
                    + " is already in progress"));
            return;
        }
        ProposeResult result = core.transferLeadership(t.target);
        if (result instanceof ProposeResult.Accepted) {
            String target = core.transferTarget();
            if (target == null) {
                t.future.complete(memberId); // asked to transfer to ourselves: nothing to do
            } else {
                log.info("member {} transferring leadership to {}", memberId, target);
                transfer = new PendingTransfer(target, t.future, System.nanoTime() + transferTimeoutNanos);
            }
        } else if (result instanceof ProposeResult.NotLeader notLeader) {
            t.future.completeExceptionally(new NotLeaderException(memberId, notLeader.leaderHint()));
        } else if (result instanceof ProposeResult.Rejected rejected) {
            t.future.completeExceptionally(new IllegalArgumentException(rejected.reason()));
        } else if (result instanceof ProposeResult.Busy busy) {
            t.future.completeExceptionally(new RaftBusyException(busy.reason()));
        }
    }

    /** Completes or fails the transfer in flight from the latest status; fails expired reads. */
    private void checkTimers(RaftStatus now) {
        long nanos = System.nanoTime();
        if (transfer != null) {
            if (now.role() != Role.LEADER && now.leaderId() != null && !now.leaderId().equals(memberId)) {
                transfer.future().complete(now.leaderId());
                transfer = null;
            } else if ((now.role() == Role.LEADER && core.transferTarget() == null)
                    || nanos - transfer.deadlineNanos() > 0) {
                transfer.future().completeExceptionally(new RaftBusyException("leadership transfer to "
                        + transfer.target() + " did not complete within the election timeout: the target may be"
                        + " down, partitioned or unable to catch up; this member keeps leading"));
                transfer = null;
            }
        }
        var it = reads.values().iterator();
        while (it.hasNext()) {
            PendingRead read = it.next();
            if (nanos - read.deadlineNanos() <= 0) {
                break;
            }
            read.future().completeExceptionally(new NotLeaderException(memberId, now.leaderId()));
            it.remove();
        }
    }

    /**
     * Handles each Ready in the order its Javadoc states, with one exception: committed entries that were already
     * durable here before this Ready are handed to the apply thread first, before the sends and the fsync. They are
     * committed (durable on a quorum, never overwritten) and on this member's disk, so applying them cannot get
     * ahead of the local log, and their proposers need not wait for the fsync of newer, unrelated entries. On a
     * busy leader that fsync is in every turn, so this takes one fsync off every commit's latency. Committed
     * entries that arrive with this Ready (a follower learning the commit index with the entries) still wait for
     * the fsync, because the state machine must never be ahead of the durable log.
     *
     * <p>A Ready that installs a snapshot replaces the log: nothing after the snapshot's index is durable any more
     * (the old entries there may conflict), so the early apply sees only the snapshot's index as durable, and the
     * restore is handed to the apply thread after the sync and before the Ready's committed entries.
     */
    private void processReadies() throws IOException, InterruptedException {
        for (int i = 0; i < READIES_PER_TURN_MAX && core.hasReady(); i++) {
            Ready ready = core.ready();
            SnapshotMeta installed = ready.snapshot();
            if (installed != null) {
                durableIndex = installed.index();
            }
            List<Entry> toPersist = ready.entriesToPersist();
            List<Entry> committed = ready.committedEntries();
            // Entries at or after the first one to persist are (re)written by this Ready: not durable yet.
            long durableBefore = toPersist.isEmpty() ? durableIndex
                    : Math.min(durableIndex, toPersist.get(0).index() - 1);
            int applyNow = countAtOrBelow(committed, durableBefore);
            if (applyNow > 0) {
                applyLoop.submitEntries(committed.subList(0, applyNow));
            }
            if (leaseClock != null) {
                long now = System.nanoTime();
                for (Message m : ready.messagesBeforePersist()) {
                    if (m instanceof Message.Heartbeat hb) {
                        leaseClock.roundSent(hb.round(), now);
                    }
                }
            }
            ready.messagesBeforePersist().forEach(transport::send);
            if (installed != null) {
                logStore.installSnapshot(installed);
            }
            if (!toPersist.isEmpty()) {
                logStore.append(toPersist);
            }
            if (ready.hardState() != null) {
                logStore.saveHardState(ready.hardState());
            }
            if (ready.needsSync()) {
                logStore.sync();
            }
            if (!toPersist.isEmpty()) {
                durableIndex = toPersist.get(toPersist.size() - 1).index();
            }
            if (installed != null) {
                applyLoop.submitRestore(installed);
                snapshots.retain(SnapshotStore.SnapshotId.of(installed));
                snapshotsInstalled.incrementAndGet();
                log.info("member {} installed snapshot {}-{} from the leader", memberId, installed.index(),
                        installed.term());
            }
            ready.messagesAfterPersist().forEach(transport::send);
            if (applyNow < committed.size()) {
                applyLoop.submitEntries(committed.subList(applyNow, committed.size()));
            }
            for (ReadState readState : ready.readStates()) {
                PendingRead read = reads.remove(readState.requestId());
                if (read == null) {
                    continue;
                }
                if (readState.failed()) {
                    read.future().completeExceptionally(new NotLeaderException(memberId, core.status().leaderId()));
                } else {
                    applyLoop.submitRead(readState.index(), read.future());
                }
            }
            core.advance(ready);
        }
    }

    /** How many of {@code entries} (consecutive indexes) have an index at or below {@code index}. */
    private static int countAtOrBelow(List<Entry> entries, long index) {
        if (entries.isEmpty()) {
            return 0;
        }
        long count = index - entries.get(0).index() + 1;
        return (int) Math.max(0, Math.min(entries.size(), count));
    }

    private void publishStatus() {
        RaftStatus now = core.status();
        RaftStatus before = lastStatus;
        if (now.role() != before.role() || now.term() != before.term()) {
            MDC.put("term", Long.toString(now.term()));
            log.info("member {} became {} at term {}", memberId, roleName(now.role()), now.term());
        }
        if (now.leaderId() != null && !now.leaderId().equals(before.leaderId()) && now.role() != Role.LEADER) {
            log.info("member {} follows leader {} at term {}", memberId, now.leaderId(), now.term());
        }
        if (now.term() != before.term() && !reads.isEmpty()) {
            // A read confirmed in the old term could not be trusted once the term moved on; the caller retries.
            failPendingReads(new NotLeaderException(memberId, now.leaderId()));
        }
        checkTimers(now);
        Membership membership = core.membership();
        if (membership != lastMembership) {
            lastMembership = membership;
            log.info("member {} membership is now {}", memberId, membership);
            onMembershipChange.accept(membership);
        }
        lastStatus = now;
        status = now;
    }

    private void failPendingReads(RaftException cause) {
        reads.values().forEach(r -> r.future().completeExceptionally(cause));
        reads.clear();
        if (transfer != null) {
            transfer.future().completeExceptionally(cause);
            transfer = null;
        }
    }

    /** Fails requests still queued; also called by close after the loop exited, for requests that raced it. */
    void failQueued() {
        RaftClosedException closed = new RaftClosedException("member " + memberId + " is closed");
        for (Event event; (event = queue.poll()) != null; ) {
            if (event instanceof Propose propose) {
                propose.future.completeExceptionally(closed);
            } else if (event instanceof Read read) {
                read.future.completeExceptionally(closed);
            } else if (event instanceof ChangeMembership change) {
                change.future.completeExceptionally(closed);
            } else if (event instanceof Transfer t) {
                t.future.completeExceptionally(closed);
            }
        }
    }

    long inboundDropped() {
        return inboundDropped.get();
    }

    private static String roleName(Role role) {
        return role.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
