package io.kvstore.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.EventType;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.WatchCanceled;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.client.ZnodeStat;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch that survives anything but its own close: one Watch stream at a time, on any member (followers serve
 * watches); when the stream fails, ends, or the server cancels the watch as slow, it opens a new one on the next
 * member after backoff with jitter, from the last delivered revision + 1, for ever.
 *
 * <pre>
 *   CONNECTING ──created──► CONNECTED ──stream failed / SLOW_WATCHER / stalled──► RECONNECTING ──created──► CONNECTED
 *        └───────────────── COMPACTED, invalid request, close() ──────────────────────────────► CLOSED
 * </pre>
 *
 * <p>Threads: gRPC callback threads hand each response to a serial task on the callback executor, which runs the
 * listener and only then asks gRPC for the next response (backpressure to the server). State is guarded by
 * {@code this}; the listener is never called while holding it. Revisions at or below the last delivered one are
 * dropped, so no event is delivered twice.
 */
public final class ReconnectingWatcher implements Watcher {
    private static final Logger log = LoggerFactory.getLogger(ReconnectingWatcher.class);
    /** A stream with progress notifications asked for that carries nothing for this long is presumed stuck (the
     *  server sends progress every second) and is replaced. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Responses up to the server's largest (a txn with 16 MiB of previous values plus new ones) must fit. */
    static final int INBOUND_BYTES_MAX = 32 << 20;
    private static final long WATCH_ID = 1; // one watch per stream

    private final String path;
    private final WatchOptions options;
    private final WatchListener listener;
    private final Endpoints endpoints;
    private final ScheduledExecutorService timer;
    private final SerialExecutor callbacks;
    private final ClientConfig config;
    private final Random jitter;

    private State state = State.CONNECTING; // guarded by this
    private ClientCallStreamObserver<WatchRequest> call; // guarded by this
    private String address; // guarded by this
    private int failuresInARow; // guarded by this
    private long generation; // guarded by this: responses of replaced streams are ignored
    private long nextRevision; // guarded by this: 0 until the first registration pins "from now"
    private volatile long lastRevision;
    private volatile long lastResponseNanos = System.nanoTime();
    private ScheduledFuture<?> stallCheck; // guarded by this
    /** Tells the client to forget this watcher (it keeps open ones to close them with itself). */
    private final Runnable onClosed;

    public ReconnectingWatcher(String path, WatchOptions options, WatchListener listener, Endpoints endpoints,
            ScheduledExecutorService timer, Executor callbackExecutor, ClientConfig config, Random jitter,
            Runnable onClosed) {
        this.onClosed = onClosed;
        this.path = path;
        this.options = options;
        this.listener = listener;
        this.endpoints = endpoints;
        this.timer = timer;
        this.callbacks = new SerialExecutor(callbackExecutor);
        this.config = config;
        this.jitter = jitter;
        this.nextRevision = options.startRevision();
    }

    /** Opens the first stream. */
    public synchronized ReconnectingWatcher start() {
        address = endpoints.preferred();
        connect();
        if (options.progressNotify()) {
            stallCheck = timer.scheduleWithFixedDelay(this::checkStall, 1, 1, TimeUnit.SECONDS);
        }
        return this;
    }

    @Override
    public synchronized State state() {
        return state;
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    @Override
    public void close() {
        ClientCallStreamObserver<WatchRequest> toCancel;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            generation++;
            toCancel = call;
            call = null;
            if (stallCheck != null) {
                stallCheck.cancel(false);
            }
        }
        if (toCancel != null) {
            toCancel.cancel("watcher closed", null);
        }
        onClosed.run();
    }

    /** Guarded by this. */
    private void connect() {
        long myGeneration = ++generation;
        Channel channel;
        try {
            channel = endpoints.channel(address);
        } catch (RuntimeException closed) {
            state = State.CLOSED;
            return;
        }
        ClientCall<WatchRequest, WatchResponse> clientCall = channel.newCall(WatchGrpc.getWatchMethod(),
                CallOptions.DEFAULT.withMaxInboundMessageSize(INBOUND_BYTES_MAX));
        WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setWatchId(WATCH_ID).setPath(path)
                .setMode(switch (options.mode()) {
                    case ZNODE -> io.kvstore.api.v1.WatchMode.ZNODE;
                    case CHILDREN -> io.kvstore.api.v1.WatchMode.CHILDREN;
                    case SUBTREE -> io.kvstore.api.v1.WatchMode.SUBTREE;
                })
                .setStartRevision(nextRevision).setPrevValue(options.prevValue())
                .setProgressNotify(options.progressNotify());
        lastResponseNanos = System.nanoTime();
        ClientCalls.asyncBidiStreamingCall(clientCall, new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
                call = stream;
                stream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(WatchResponse response) {
                lastResponseNanos = System.nanoTime();
                callbacks.execute(() -> handle(myGeneration, response));
            }

            @Override
            public void onError(Throwable t) {
                streamEnded(myGeneration, t);
            }

            @Override
            public void onCompleted() {
                streamEnded(myGeneration, null);
            }
        });
        call.onNext(WatchRequest.newBuilder().setCreate(create).build());
    }

    /** On the callback executor, one response at a time. */
    private void handle(long myGeneration, WatchResponse response) {
        ClientCallStreamObserver<WatchRequest> current;
        synchronized (this) {
            if (generation != myGeneration || state == State.CLOSED) {
                return;
            }
            current = call;
        }
        long revision = response.getHeader().getRevision();
        switch (response.getKindCase()) {
            case CREATED -> {
                synchronized (this) {
                    if (nextRevision == 0) {
                        nextRevision = revision + 1; // "from now" is pinned at the first registration
                    }
                    failuresInARow = 0;
                    state = State.CONNECTED;
                    endpoints.succeeded(address);
                }
                notifyState(State.CONNECTED);
            }
            case EVENTS -> {
                if (revision >= nextRevisionSnapshot()) {
                    deliver(revision, response);
                }
            }
            case PROGRESS -> {
                if (revision >= nextRevisionSnapshot()) {
                    advance(revision);
                    safely(() -> listener.onProgress(revision));
                }
            }
            case CANCELED -> {
                cancelled(myGeneration, response.getCanceled());
                return;
            }
            default -> { }
        }
        current.request(1);
    }

    private synchronized long nextRevisionSnapshot() {
        return nextRevision;
    }

    private synchronized void advance(long revision) {
        nextRevision = revision + 1;
        lastRevision = revision;
    }

    private void deliver(long revision, WatchResponse response) {
        List<WatchEvent> events = new ArrayList<>(response.getEvents().getEventsCount());
        for (io.kvstore.api.v1.WatchEvent e : response.getEvents().getEventsList()) {
            events.add(new WatchEvent(type(e.getType()), e.getPath(), e.getRevision(), e.getValue().toByteArray(),
                    e.hasStat() && e.getType() != EventType.DELETED ? stat(e.getStat()) : null,
                    options.prevValue() && e.hasPrevStat() && !e.getPrevValueOmitted()
                            ? e.getPrevValue().toByteArray() : null));
        }
        advance(revision);
        safely(() -> listener.onEvents(List.copyOf(events)));
    }

    private void cancelled(long myGeneration, WatchCanceled canceled) {
        ErrorCode reason = parse(canceled.getReason());
        if (reason == ErrorCode.SLOW_WATCHER || reason == null && !canceled.getReason().isEmpty()) {
            // Resume from history where the server stopped; unknown reasons from a newer server: retry too.
            streamEnded(myGeneration, new IllegalStateException("cancelled: " + canceled.getReason()));
            return;
        }
        if (!closeFromServer(myGeneration)) {
            return;
        }
        if (reason == ErrorCode.COMPACTED) {
            safely(() -> listener.onCompacted(canceled.getCompactRevision()));
        } else {
            safely(() -> listener.onError(new KvInvalidArgumentException(canceled.getMessage(), reason, -1, null)));
        }
        notifyState(State.CLOSED);
    }

    private boolean closeFromServer(long myGeneration) {
        ClientCallStreamObserver<WatchRequest> toCancel;
        synchronized (this) {
            if (generation != myGeneration || state == State.CLOSED) {
                return false;
            }
            state = State.CLOSED;
            toCancel = call;
            call = null;
            if (stallCheck != null) {
                stallCheck.cancel(false);
            }
        }
        if (toCancel != null) {
            toCancel.cancel("watch ended", null);
        }
        onClosed.run();
        return true;
    }

    /** The stream is gone (failure, server end, slow-watcher cancel, stall): reconnect after backoff. */
    private void streamEnded(long myGeneration, Throwable cause) {
        ClientCallStreamObserver<WatchRequest> old;
        long delayNanos;
        synchronized (this) {
            if (generation != myGeneration || state == State.CLOSED) {
                return;
            }
            generation++; // late responses of this stream are ignored from here on
            old = call;
            call = null;
            state = State.RECONNECTING;
            delayNanos = failuresInARow++ == 0 ? 0 : backoffNanos();
            address = endpoints.after(address);
        }
        log.debug("watch of {} lost its stream ({}); reconnecting to {} in {} ms", path, cause == null ? "ended"
                : cause.toString(), address, TimeUnit.NANOSECONDS.toMillis(delayNanos));
        if (old != null) {
            old.cancel("replaced", null);
        }
        notifyState(State.RECONNECTING);
        try {
            timer.schedule(this::reconnect, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException clientClosed) {
            close();
        }
    }

    private void reconnect() {
        synchronized (this) {
            if (state != State.RECONNECTING) {
                return;
            }
            connect();
        }
    }

    private void checkStall() {
        long myGeneration;
        synchronized (this) {
            if (state != State.CONNECTED || System.nanoTime() - lastResponseNanos < STALL_NANOS) {
                return;
            }
            myGeneration = generation;
        }
        streamEnded(myGeneration, new IllegalStateException("no response for " + STALL_NANOS / 1_000_000 + " ms"));
    }

    /** Exponential from backoffInitial, capped at backoffMax, with equal jitter (as RetryingCaller). */
    private long backoffNanos() {
        long base = config.backoffInitial().toNanos();
        long cap = config.backoffMax().toNanos();
        long exp = base << Math.min(failuresInARow, 20);
        long bounded = exp <= 0 || exp > cap ? cap : exp;
        long half = bounded / 2;
        return half + (long) (jitter.nextDouble() * half);
    }

    private void notifyState(State s) {
        callbacks.execute(() -> {
            synchronized (this) {
                if (state == State.CLOSED && s != State.CLOSED) {
                    return;
                }
            }
            safely(() -> listener.onStateChanged(s));
        });
    }

    private void safely(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("watch listener of {} threw; the watch goes on", path, e);
        }
    }

    private static ErrorCode parse(String reason) {
        try {
            return reason.isEmpty() ? null : ErrorCode.valueOf(reason);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }

    private static WatchEvent.Type type(EventType type) {
        return switch (type) {
            case CREATED -> WatchEvent.Type.CREATED;
            case DELETED -> WatchEvent.Type.DELETED;
            default -> WatchEvent.Type.UPDATED;
        };
    }

    private static ZnodeStat stat(Stat s) {
        return new ZnodeStat(s.getVersion(), s.getCreateRevision(), s.getModRevision(), s.getNumChildren(),
                s.getDataLength(), s.getChildrenRevision(), s.getEphemeralSessionId());
    }
}
