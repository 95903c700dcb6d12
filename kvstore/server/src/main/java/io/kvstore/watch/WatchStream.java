package io.kvstore.watch;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.WatchCanceled;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchEvents;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.store.ZPath;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's Watch call: its watches and one bounded queue of responses to send. Requests arrive on gRPC's
 * threads (serially); events are queued by the apply thread (live) and the catch-up thread; one sender task at a time
 * writes the queue to gRPC while the transport is ready, so a slow client fills only its own queue. Lock order: hub
 * lock, then this stream's lock.
 */
final class WatchStream implements StreamObserver<WatchRequest> {

    private final WatchHub hub;
    private final ServerCallStreamObserver<WatchResponse> out;
    private final ArrayDeque<WatchResponse> queue = new ArrayDeque<>(); // guarded by this
    private long queuedBytes; // guarded by this
    private final Map<Long, ServerWatch> watches = new HashMap<>(); // guarded by this
    private final Set<ServerWatch> parked = new LinkedHashSet<>(); // guarded by this: catch-ups waiting for room
    private final AtomicBoolean draining = new AtomicBoolean();
    /** gRPC forbids concurrent calls on one observer: the sender's onNext and the request thread's onCompleted. */
    private final Object outLock = new Object();
    private volatile boolean ended;
    /** Closed when the call ends: its registration with the member's standing (a removed member ends it). */
    private volatile AutoCloseable registration;
    /** What this stream's caller may watch and see (auth). */
    final WatchAccess access;

    WatchStream(WatchHub hub, ServerCallStreamObserver<WatchResponse> out, WatchAccess access) {
        this.hub = hub;
        this.access = access;
        this.out = out;
        out.setOnReadyHandler(this::scheduleDrain);
        out.setOnCancelHandler(this::end);
    }

    @Override
    public void onNext(WatchRequest request) {
        switch (request.getRequestCase()) {
            case CREATE -> create(request.getCreate());
            case CANCEL -> {
                ServerWatch w;
                synchronized (this) {
                    w = watches.get(request.getCancel().getWatchId());
                }
                if (w != null) {
                    hub.remove(w);
                    cancel(w, null, "cancelled by the client", 0);
                }
            }
            default -> { } // an empty request from a newer client: nothing to do
        }
    }

    private void create(WatchCreateRequest request) {
        long id = request.getWatchId();
        Optional<ZPath.Violation> violation = ZPath.check(request.getPath());
        long published = hub.publishedRevision();
        String refusal = null;
        ErrorCode reason = ErrorCode.INVALID_ARGUMENT;
        if (id <= 0) {
            refusal = "watch_id must be > 0: " + id;
        } else if (violation.isPresent()) {
            reason = ErrorCode.INVALID_PATH;
            refusal = ZPath.describe(request.getPath(), violation.get());
        } else if (request.getStartRevision() < 0) {
            refusal = "start_revision must be >= 0: " + request.getStartRevision();
        } else if (request.getStartRevision() > published + WatchLimits.START_REVISION_AHEAD_MAX) {
            refusal = "start_revision " + request.getStartRevision() + " is more than "
                    + WatchLimits.START_REVISION_AHEAD_MAX + " ahead of this member's revision " + published;
        } else if (!access.mayWatch(request.getPath(), request.getMode())) {
            reason = ErrorCode.PERMISSION_DENIED;
            refusal = "the caller may read nothing at or below " + request.getPath();
        }
        ServerWatch w = null;
        synchronized (this) {
            if (refusal == null && watches.containsKey(id)) {
                refusal = "watch_id " + id + " is already in use on this stream";
            } else if (refusal == null && watches.size() >= WatchLimits.WATCHES_PER_STREAM_MAX) {
                reason = ErrorCode.TOO_MANY_WATCHES;
                refusal = "this stream already has " + WatchLimits.WATCHES_PER_STREAM_MAX
                        + " watches, the limit per stream: open another stream";
            }
            if (refusal == null) {
                long start = request.getStartRevision() == 0 ? published + 1 : request.getStartRevision();
                w = new ServerWatch(this, request, start);
                watches.put(id, w);
                enqueue(response(id, published).setCreated(true).build(), true);
            } else {
                enqueue(response(id, published).setCanceled(WatchCanceled.newBuilder().setReason(reason.name())
                        .setMessage(refusal)).build(), true);
            }
        }
        if (w != null) {
            hub.start(w);
        }
        scheduleDrain();
    }

    /** Queues the events of one revision; false (nothing queued) when the queue is full, unless {@code force}. */
    boolean offerEvents(ServerWatch w, long revision, List<WatchEvent> events, boolean force) {
        WatchResponse r = response(w.id, revision).setEvents(WatchEvents.newBuilder().addAllEvents(events)).build();
        boolean queued;
        synchronized (this) {
            queued = w.state != ServerWatch.State.CANCELLED && enqueue(r, force);
        }
        if (queued) {
            scheduleDrain();
        }
        return queued;
    }

    /** Queues a progress notification if there is room (a stream without room is behind anyway). */
    void offerProgress(ServerWatch w, long revision) {
        synchronized (this) {
            if (!enqueue(response(w.id, revision).setProgress(true).build(), false)) {
                return;
            }
        }
        scheduleDrain();
    }

    /**
     * Ends {@code w} (already removed from the hub) with a cancellation; {@code reason} null for a client cancel.
     * The cancellation is queued behind what is queued, so last_revision matches what the client will have seen.
     */
    void cancel(ServerWatch w, ErrorCode reason, String message, long compactRevision) {
        synchronized (this) {
            if (watches.remove(w.id) != w) {
                return;
            }
            w.state = ServerWatch.State.CANCELLED;
            parked.remove(w);
            WatchCanceled.Builder c = WatchCanceled.newBuilder().setMessage(message)
                    .setLastRevision(w.nextRevision - 1).setCompactRevision(compactRevision);
            if (reason != null) {
                c.setReason(reason.name());
            }
            enqueue(response(w.id, w.nextRevision - 1).setCanceled(c).build(), true);
        }
        scheduleDrain();
    }

    /** True when the queue has room for a catch-up step; otherwise parks {@code w} until the sender drains it. */
    synchronized boolean hasRoomOrPark(ServerWatch w) {
        if (hasRoom()) {
            return true;
        }
        parked.add(w);
        return false;
    }

    private boolean hasRoom() {
        return queue.size() < WatchLimits.STREAM_QUEUE_RESPONSES_MAX / 2
                && queuedBytes < WatchLimits.STREAM_QUEUE_BYTES_MAX / 2;
    }

    /** Guarded by this. An empty queue takes any one response, so every revision can be sent. */
    private boolean enqueue(WatchResponse r, boolean force) {
        if (ended) {
            return false;
        }
        int size = r.getSerializedSize();
        if (!force && !queue.isEmpty() && (queue.size() >= WatchLimits.STREAM_QUEUE_RESPONSES_MAX
                || queuedBytes + size > WatchLimits.STREAM_QUEUE_BYTES_MAX)) {
            return false;
        }
        queue.add(r);
        queuedBytes += size;
        return true;
    }

    private void scheduleDrain() {
        if (!ended && draining.compareAndSet(false, true)) {
            try {
                hub.senders().execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                draining.set(false);
            }
        }
    }

    private void drain() {
        List<ServerWatch> resume = List.of();
        try {
            while (!ended && out.isReady()) {
                WatchResponse r;
                synchronized (this) {
                    r = queue.poll();
                    if (r == null) {
                        break;
                    }
                    queuedBytes -= r.getSerializedSize();
                }
                synchronized (outLock) {
                    if (ended) {
                        break;
                    }
                    out.onNext(r);
                }
            }
            synchronized (this) {
                if (!parked.isEmpty() && hasRoom()) {
                    resume = new ArrayList<>(parked);
                    parked.clear();
                }
            }
        } catch (RuntimeException e) {
            end(); // the call was cancelled under us
        } finally {
            draining.set(false);
        }
        resume.forEach(hub::scheduleCatchUp);
        boolean more;
        synchronized (this) {
            more = !queue.isEmpty();
        }
        if (more && out.isReady()) {
            scheduleDrain();
        }
    }

    @Override
    public void onError(Throwable t) {
        end();
    }

    @Override
    public void onCompleted() {
        end();
        synchronized (outLock) {
            try {
                out.onCompleted();
            } catch (RuntimeException alreadyClosed) {
                // the client went away
            }
        }
    }

    /**
     * Ends the whole call with {@code failure} (this member was removed from the cluster): the client reconnects to
     * another member and resumes from its last revision + 1.
     */
    void fail(io.kvstore.store.Failure failure) {
        end();
        synchronized (outLock) {
            try {
                out.onError(io.kvstore.server.StatusMapper.toException(failure));
            } catch (RuntimeException alreadyClosed) {
                // the client went away
            }
        }
    }

    /** {@code registration} is closed when the call ends (at once if it has ended). */
    void closeOnEnd(AutoCloseable registration) {
        this.registration = registration;
        if (ended) {
            closeRegistration();
        }
    }

    private void closeRegistration() {
        AutoCloseable r = registration;
        if (r != null) {
            try {
                r.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The call is over: stop every watch and drop the queue. Idempotent. */
    private void end() {
        List<ServerWatch> all;
        closeRegistration();
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            all = new ArrayList<>(watches.values());
            watches.clear();
            parked.clear();
            queue.clear();
            queuedBytes = 0;
        }
        all.forEach(hub::remove);
    }

    private ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).setMemberId(hub.memberId()).setSerializable(true)
                .build();
    }

    private WatchResponse.Builder response(long watchId, long revision) {
        return WatchResponse.newBuilder().setWatchId(watchId).setHeader(header(revision));
    }
}
