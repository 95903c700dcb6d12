package io.kvstore.raft;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.snapshot.SnapshotStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The single apply thread of a {@link RaftNode}: applies committed entries to the {@link StateMachine} in index
 * order, completes the proposal registered at each index, and answers read-index requests once their index is
 * applied. Tasks come from the raft loop through one bounded queue; everything else here is confined to the apply
 * thread except {@link #appliedIndex()}, the proposal registry and the snapshot bookkeeping.
 *
 * <p>Snapshots: after a batch, once {@code snapshotEveryEntries} entries were applied since the last snapshot, this
 * thread asks the state machine for a snapshot (between applies, so the applied index is stable) into a temp
 * directory of the {@link SnapshotStore}, checksums it, and hands it to the raft loop, which compacts the log. One
 * snapshot is in flight at a time. A restore task (a snapshot installed from the leader) replaces the state
 * machine's state and moves the applied index to the snapshot's.
 */
final class ApplyLoop implements Runnable {
    /**
     * Batches (one per Ready) waiting to be applied. When the state machine falls this far behind, the raft loop
     * blocks on handing over more, which stops it taking new proposals: committed entries are never dropped.
     */
    static final int QUEUE_BATCHES_MAX = 256;

    private sealed interface Task {}

    private record ApplyEntries(List<Entry> entries) implements Task {}

    private record AwaitRead(long index, CompletableFuture<Long> future) implements Task {}

    private record Stop() implements Task {}

    private record Restore(SnapshotMeta meta) implements Task {}

    private record PendingProposal(long term, CompletableFuture<Object> future) {}

    private final String memberId;
    private final StateMachine stateMachine;
    private final Consumer<Throwable> onFatal;
    private final SnapshotStore snapshots;
    private final long snapshotEveryEntries;
    private final Consumer<SnapshotStore.Prepared> onSnapshotTaken;
    /** Index of the newest snapshot (taken or installed); written by both threads, see {@link #snapshotDone}. */
    private volatile long snapshotIndex;
    /** A snapshot was handed to the raft loop and not yet committed or abandoned. */
    private volatile boolean snapshotInFlight;
    private final BlockingQueue<Task> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES_MAX);
    /** Written by the raft loop (register), removed by the apply thread; one entry per accepted, unapplied proposal. */
    private final Map<Long, PendingProposal> proposals = new ConcurrentHashMap<>();
    private final PriorityQueue<AwaitRead> reads = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
    private volatile long appliedIndex;
    private volatile boolean stopping;

    /**
     * @param snapshotIndex the index of the log's snapshot marker (0 when never compacted)
     * @param onSnapshotTaken receives each snapshot taken, on the apply thread; it must hand it over and return
     */
    ApplyLoop(String memberId, StateMachine stateMachine, long appliedIndex, Consumer<Throwable> onFatal,
              SnapshotStore snapshots, long snapshotEveryEntries, long snapshotIndex,
              Consumer<SnapshotStore.Prepared> onSnapshotTaken) {
        this.memberId = memberId;
        this.stateMachine = stateMachine;
        this.appliedIndex = appliedIndex;
        this.onFatal = onFatal;
        this.snapshots = snapshots;
        this.snapshotEveryEntries = snapshotEveryEntries;
        this.snapshotIndex = snapshotIndex;
        this.onSnapshotTaken = onSnapshotTaken;
    }

    /** Raft loop: the snapshot taken at {@code index} is committed (or was superseded); another may be taken. */
    void snapshotDone(long index) {
        snapshotIndex = Math.max(snapshotIndex, index);
        snapshotInFlight = false;
    }

    /** Index of the newest snapshot this member took or installed. Any thread. */
    long snapshotIndex() {
        return snapshotIndex;
    }

    /**
     * Raft loop: replace the state machine's state with the installed snapshot {@code meta} (complete in the
     * snapshot store), before any entry submitted after this call. Blocks like {@link #submitEntries}.
     */
    void submitRestore(SnapshotMeta meta) throws InterruptedException {
        submit(new Restore(meta));
    }

    /** Highest index applied to the state machine. Any thread. */
    long appliedIndex() {
        return appliedIndex;
    }

    /** Raft loop: the proposal accepted at {@code index} in {@code term} completes {@code future} when applied. */
    void registerProposal(long index, long term, CompletableFuture<Object> future) {
        PendingProposal previous = proposals.put(index, new PendingProposal(term, future));
        if (previous != null) {
            // A new entry at an index that already had a proposal: the old entry was overwritten (Log Matching).
            previous.future.completeExceptionally(new ProposalDroppedException(index, previous.term, term));
        }
    }

    /** Raft loop: hands over committed entries, blocking while the queue is full (backpressure, see above). */
    void submitEntries(List<Entry> entries) throws InterruptedException {
        submit(new ApplyEntries(entries));
    }

    /** Raft loop: completes {@code future} with {@code index} once that index is applied. */
    void submitRead(long index, CompletableFuture<Long> future) throws InterruptedException {
        submit(new AwaitRead(index, future));
    }

    private void submit(Task task) throws InterruptedException {
        while (!queue.offer(task, 10, TimeUnit.MILLISECONDS)) {
            if (stopping) {
                throw new InterruptedException("apply loop of member " + memberId + " is stopping");
            }
        }
    }

    /** Asks the thread to finish the queued tasks and exit. Any thread; returns at once. */
    void stop() {
        stopping = true;
        queue.offer(new Stop()); // when full, the thread sees {@code stopping} after its current task
    }

    @Override
    public void run() {
        try {
            while (true) {
                Task task = queue.poll(100, TimeUnit.MILLISECONDS);
                if (task instanceof ApplyEntries apply) {
                    apply(apply.entries);
                    maybeSnapshot();
                } else if (task instanceof Restore restore) {
                    restore(restore.meta);
                } else if (task instanceof AwaitRead read) {
                    reads.add(read);
                    completeReads();
                } else if (task instanceof Stop || (task == null && stopping)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException | Error e) {
            onFatal.accept(e);
        } finally {
            failAll(new RaftClosedException("member " + memberId + " stopped applying"));
        }
    }

    private void apply(List<Entry> entries) {
        for (Entry entry : entries) {
            long expected = appliedIndex + 1;
            if (entry.index() != expected) {
                // Applying out of order would diverge this replica from the others: stop instead.
                throw new IllegalStateException("member " + memberId + " was handed entry " + entry.index()
                        + " but expected " + expected);
            }
            Object result = stateMachine.apply(entry);
            appliedIndex = entry.index();
            PendingProposal pending = proposals.remove(entry.index());
            if (pending != null) {
                if (pending.term == entry.term()) {
                    pending.future.complete(result);
                } else {
                    pending.future.completeExceptionally(
                            new ProposalDroppedException(entry.index(), pending.term, entry.term()));
                }
            }
        }
        completeReads();
    }

    private void maybeSnapshot() throws IOException {
        long applied = appliedIndex;
        if (snapshotInFlight || applied - snapshotIndex < snapshotEveryEntries) {
            return;
        }
        Path data = snapshots.newTempDir(applied);
        stateMachine.snapshot(data);
        SnapshotStore.Prepared prepared = snapshots.prepare(data, applied);
        snapshotInFlight = true;
        onSnapshotTaken.accept(prepared);
    }

    /**
     * Replaces the state with an installed snapshot. Proposals registered at or below its index can no longer be
     * matched with their entries (they are inside the snapshot): they fail with
     * {@link ProposalOutcomeUnknownException}. Proposals above it stay pending: their entries follow.
     */
    private void restore(SnapshotMeta meta) throws IOException {
        SnapshotStore.SnapshotId id = SnapshotStore.SnapshotId.of(meta);
        snapshots.verify(id);
        stateMachine.restore(snapshots.dataDir(id), meta.index());
        if (stateMachine.appliedIndex() != meta.index()) {
            throw new IllegalStateException("member " + memberId + ": state machine reports applied index "
                    + stateMachine.appliedIndex() + " after restoring snapshot " + id);
        }
        appliedIndex = meta.index();
        snapshotIndex = Math.max(snapshotIndex, meta.index());
        var it = proposals.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey() <= meta.index()) {
                it.remove();
                e.getValue().future.completeExceptionally(
                        new ProposalOutcomeUnknownException(e.getKey(), meta.index()));
            }
        }
        completeReads();
    }

    private void completeReads() {
        while (!reads.isEmpty() && reads.peek().index <= appliedIndex) {
            AwaitRead read = reads.poll();
            read.future.complete(read.index);
        }
    }

    /** Fails every proposal and read still waiting; called when the thread exits. */
    void failAll(RaftException cause) {
        List<PendingProposal> pending = new ArrayList<>(proposals.values());
        proposals.clear();
        pending.forEach(p -> p.future.completeExceptionally(cause));
        for (AwaitRead read; (read = reads.poll()) != null; ) {
            read.future.completeExceptionally(cause);
        }
        for (Task task; (task = queue.poll()) != null; ) {
            if (task instanceof AwaitRead read) {
                read.future.completeExceptionally(cause);
            }
        }
    }
}
