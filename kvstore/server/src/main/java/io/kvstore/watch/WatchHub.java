package io.kvstore.watch;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.store.ChangeListener;
import io.kvstore.store.HistoryRead;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.command.HistoryRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes applied changes to watches. Threads:
 * <ul>
 *   <li>the apply thread calls {@link #applied}: under {@link #lock} it offers each live watch its events (a
 *       non-blocking offer to the watch's stream queue) and advances {@link #publishedRevision};</li>
 *   <li>one catch-up thread reads history for watches that start in the past, step by step, and switches a watch
 *       to live under the same lock once it has read through {@link #publishedRevision}: every revision up to it
 *       came from history, every later one comes live, so the hand-over has no gap and no duplicate;</li>
 *   <li>one timer thread sends progress notifications;</li>
 *   <li>sender threads (shared by all streams) write queued responses to gRPC as flow control allows.</li>
 * </ul>
 * The apply thread holds the lock for O(live watches × events) offers and never waits on a stream. Thread-safe;
 * owns its threads ({@link #close}).
 */
public final class WatchHub implements ChangeListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);
    /** Sender threads shared by all streams: they only serialise and hand bytes to Netty. */
    private static final int SENDER_THREADS = 2;

    private final KvStateMachine store;
    private final long memberId;
    private final Duration progressInterval;
    private final Object lock = new Object();
    /** Guarded by lock. */
    private long publishedRevision;
    /** Guarded by lock. */
    private final List<ServerWatch> live = new ArrayList<>();
    private final ExecutorService catchUp;
    private final ExecutorService senders;
    private final ScheduledExecutorService timer;

    /**
     * Creates the hub and makes it {@code store}'s change listener: create it before the raft node applies entries.
     *
     * @param memberId numeric member id for response headers
     * @param progressInterval how long a watch with progress_notify may go without a response before it gets a
     *     progress notification (default 1 s in the server)
     */
    public WatchHub(KvStateMachine store, long memberId, Duration progressInterval) {
        this.store = store;
        this.memberId = memberId;
        this.progressInterval = progressInterval;
        this.catchUp = Executors.newSingleThreadExecutor(daemon("watch-catch-up"));
        this.senders = Executors.newFixedThreadPool(SENDER_THREADS, daemon("watch-send"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("watch-progress"));
        synchronized (lock) {
            publishedRevision = store.revision();
        }
        store.setChangeListener(this);
        long periodMillis = Math.max(1, progressInterval.toMillis());
        timer.scheduleWithFixedDelay(this::progressTick, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** The latest revision reported by the apply thread. */
    public long publishedRevision() {
        synchronized (lock) {
            return publishedRevision;
        }
    }

    long memberId() {
        return memberId;
    }

    ExecutorService senders() {
        return senders;
    }

    @Override
    public void applied(long revision, List<WatchEvent> events) {
        synchronized (lock) {
            publishedRevision = revision;
            if (events.isEmpty() || live.isEmpty()) {
                return;
            }
            List<ServerWatch> slow = null;
            List<ServerWatch> revoked = null;
            for (ServerWatch w : live) {
                if (revision < w.nextRevision) {
                    continue; // a start revision in the future
                }
                if (!w.permitted()) {
                    revoked = revoked == null ? new ArrayList<>() : revoked;
                    revoked.add(w);
                    continue;
                }
                List<WatchEvent> selected = w.select(events);
                if (!selected.isEmpty()) {
                    if (!w.stream.offerEvents(w, revision, selected, false)) {
                        slow = slow == null ? new ArrayList<>() : slow;
                        slow.add(w);
                        continue;
                    }
                    w.sentSinceProgress = true;
                }
                w.nextRevision = revision + 1;
            }
            if (revoked != null) {
                // Auth: the caller may no longer read anything in the watch's scope (a grant was revoked, or auth
                // was enabled under a stream opened without credentials).
                for (ServerWatch w : revoked) {
                    live.remove(w);
                    w.stream.cancel(w, ErrorCode.PERMISSION_DENIED, "the caller may no longer read anything this "
                            + "watch covers", 0);
                }
            }
            if (slow != null) {
                for (ServerWatch w : slow) {
                    live.remove(w);
                    w.stream.cancel(w, ErrorCode.SLOW_WATCHER, "the watch fell " + WatchLimits.STREAM_QUEUE_RESPONSES_MAX
                            + " responses or " + WatchLimits.STREAM_QUEUE_BYTES_MAX + " bytes behind; resume from "
                            + "last_revision + 1", 0);
                }
            }
        }
    }

    @Override
    public void reset(long revision) {
        // A snapshot replaced the state: live watches missed the revisions in between and catch up from history
        // (the snapshot carries it), or are told COMPACTED.
        synchronized (lock) {
            publishedRevision = revision;
            List<ServerWatch> moved = new ArrayList<>(live);
            live.clear();
            for (ServerWatch w : moved) {
                w.state = ServerWatch.State.CATCHING_UP;
                scheduleCatchUp(w);
            }
        }
    }

    /** Starts serving {@code w} (registered on its stream): catch-up first, then live. */
    void start(ServerWatch w) {
        scheduleCatchUp(w);
    }

    /** Stops live delivery to {@code w}; its catch-up, if running, sees the CANCELLED state and stops. */
    void remove(ServerWatch w) {
        synchronized (lock) {
            w.state = ServerWatch.State.CANCELLED;
            live.remove(w);
        }
    }

    /** Resumes a catch-up that paused for room in its stream's queue. */
    void scheduleCatchUp(ServerWatch w) {
        try {
            catchUp.execute(() -> catchUpStep(w));
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void catchUpStep(ServerWatch w) {
        try {
            if (w.state != ServerWatch.State.CATCHING_UP) {
                return;
            }
            long target;
            synchronized (lock) {
                target = publishedRevision;
                if (w.nextRevision > target) {
                    if (w.state == ServerWatch.State.CATCHING_UP) {
                        w.state = ServerWatch.State.LIVE;
                        live.add(w);
                    }
                    return;
                }
            }
            if (!w.stream.hasRoomOrPark(w)) {
                return; // the stream's sender reschedules it once the queue drained
            }
            HistoryRead read = store.readHistory(w.nextRevision, target, WatchLimits.CATCH_UP_RECORDS_STEP,
                    WatchLimits.CATCH_UP_BYTES_STEP);
            if (read.compacted()) {
                remove(w);
                w.stream.cancel(w, ErrorCode.COMPACTED, "revision " + w.nextRevision + " is older than this member's "
                        + "history, which starts at " + read.compactedOldest() + ": read the state at that revision "
                        + "or later, then watch from it + 1", read.compactedOldest());
                return;
            }
            for (HistoryRecord record : read.records()) {
                List<WatchEvent> selected = w.select(record.getEventsList());
                if (!selected.isEmpty() && w.state == ServerWatch.State.CATCHING_UP) {
                    w.stream.offerEvents(w, record.getRevision(), selected, true);
                }
            }
            w.nextRevision = read.throughRevision() + 1;
            scheduleCatchUp(w);
        } catch (RuntimeException e) {
            log.warn("watch {} catch-up failed", w.id, e);
            remove(w);
            w.stream.cancel(w, ErrorCode.INVALID_ARGUMENT, "the member failed to read its history: "
                    + e.getClass().getSimpleName(), 0);
        }
    }

    private void progressTick() {
        try {
            synchronized (lock) {
                for (ServerWatch w : live) {
                    if (w.progressNotify && !w.sentSinceProgress) {
                        w.stream.offerProgress(w, publishedRevision);
                    }
                    w.sentSinceProgress = false;
                }
            }
        } catch (RuntimeException e) {
            log.warn("progress notification tick failed", e); // a throwing periodic task would never run again
        }
    }

    /** The progress interval, for documentation and tests. */
    public Duration progressInterval() {
        return progressInterval;
    }

    /** Stops the hub's threads; streams still open see no more events. */
    @Override
    public void close() {
        store.setChangeListener(ChangeListener.NONE);
        timer.shutdownNow();
        catchUp.shutdownNow();
        senders.shutdownNow();
        try {
            // The store closes next: no history read may still be running then.
            catchUp.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
