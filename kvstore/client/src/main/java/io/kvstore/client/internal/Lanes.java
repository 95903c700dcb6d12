package io.kvstore.client.internal;

import io.kvstore.api.v1.RequestHeader;
import io.kvstore.client.KvUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The write lanes of one client: a fixed pool of client ids, each with its own sequence, each carrying at most one
 * write at a time.
 *
 * <p>Why: the server deduplicates a retried write by (client id, sequence) but remembers only the latest sequence
 * per client id. A client id with two writes in flight could have the older one's retry answered "stale", or its
 * result forgotten. So every write takes a lane for its whole life, all retries included, and sends the lane's
 * client id with the lane's next sequence; the lane is released only when the write has its final outcome.
 *
 * <p>Free lanes are reused last-in first-out, so a client that rarely writes concurrently keeps using one or two
 * client ids and the server's bounded dedup table holds few entries for it. A write that finds no free lane waits in
 * FIFO order, bounded in number ({@code waitersMax}) and in time (the call's retry deadline).
 *
 * <p>Thread-safe: one monitor guards the pool; futures are completed outside it so no caller code runs under it.
 */
public final class Lanes {
    /** One client id and its sequence. Owned by one write at a time, which alone calls {@link #nextHeader()}. */
    public static final class Lane {
        private final String clientId;
        private long sequence;
        private boolean busy;

        private Lane(String clientId) {
            this.clientId = clientId;
        }

        /** The header for the owning write: this lane's client id and its next sequence (the first is 1). */
        public RequestHeader nextHeader() {
            sequence++;
            return RequestHeader.newBuilder().setClientId(clientId).setSequence(sequence).build();
        }

        /** This lane's client id. */
        public String clientId() {
            return clientId;
        }
    }

    private record Waiter(CompletableFuture<Lane> future) {
    }

    private final ArrayDeque<Lane> free = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final int waitersMax;
    private final ScheduledExecutorService timer;

    /** {@code lanes} lanes named {@code <random uuid>-<lane>}, so two client instances never share an id. */
    public Lanes(int lanes, int waitersMax, ScheduledExecutorService timer) {
        String base = UUID.randomUUID().toString();
        for (int i = lanes - 1; i >= 0; i--) {
            free.push(new Lane(base + "-" + i));
        }
        this.waitersMax = waitersMax;
        this.timer = timer;
    }

    /** A free lane, now or once one is released; fails with KvUnavailableException after {@code deadlineNanos}. */
    public CompletableFuture<Lane> acquire(long deadlineNanos) {
        Waiter waiter;
        synchronized (this) {
            Lane lane = free.poll();
            if (lane != null) {
                lane.busy = true;
                return CompletableFuture.completedFuture(lane);
            }
            if (waiters.size() >= waitersMax) {
                return CompletableFuture.failedFuture(new KvUnavailableException(
                        "too many writes waiting for a write lane (" + waitersMax + ")", null, null));
            }
            waiter = new Waiter(new CompletableFuture<>());
            waiters.add(waiter);
        }
        try {
            timer.schedule(() -> expire(waiter), Math.max(0, deadlineNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            expire(waiter);
        }
        return waiter.future;
    }

    /** Gives the lane to the oldest waiter, or back to the pool. Called once per acquired lane. */
    public void release(Lane lane) {
        Waiter next;
        synchronized (this) {
            if (!lane.busy) {
                throw new IllegalStateException("lane " + lane.clientId + " released twice");
            }
            next = waiters.poll();
            if (next == null) {
                lane.busy = false;
                free.push(lane);
                return;
            }
        }
        // The lane stays busy: ownership passes straight to the waiter, which was not completed (expire removes a
        // waiter from the queue under the monitor before completing it).
        next.future.complete(lane);
    }

    /** Fails every waiting write; for close. */
    public void failWaiters(String why) {
        List<Waiter> failed;
        synchronized (this) {
            failed = new ArrayList<>(waiters);
            waiters.clear();
        }
        failed.forEach(w -> w.future.completeExceptionally(new KvUnavailableException(why, null, null)));
    }

    private void expire(Waiter waiter) {
        synchronized (this) {
            if (!waiters.remove(waiter)) {
                return;
            }
        }
        waiter.future.completeExceptionally(new KvUnavailableException(
                "no write lane came free within the retry deadline", null, null));
    }
}
