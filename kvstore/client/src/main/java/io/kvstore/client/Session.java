package io.kvstore.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionKeepAliveRequest;
import io.kvstore.api.v1.SessionKeepAliveResponse;
import io.kvstore.client.internal.Endpoints;
import io.kvstore.client.internal.RetryingCaller;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A session: the server keeps it, and the ephemeral znodes it owns, alive while keepalives arrive within its TTL.
 * Made by {@link KvClient#openSession}; the caller owns it and must {@link #close()} it.
 *
 * <p><b>Keepalives.</b> Sent in the background every TTL/3 on one KeepAlive stream to the leader (the member that
 * tracks deadlines). When the stream fails, the session's next keepalive (due within TTL/3) opens a new stream, to
 * the leader named in a NOT_LEADER answer or else to the next endpoint; while keepalives fail it retries every
 * {@value #RETRY_MILLIS} ms, for ever, until the server says the session expired or the session is closed. The
 * TTL/3 cadence leaves two thirds of the TTL for that (SessionLeaderKillIT: a leader kill -9 never expired a session).
 *
 * <p><b>States</b> ({@link #state()}, {@link #addListener}):
 * <pre>
 *   CONNECTED ──keepalives failing──▶ DISCONNECTED ──keepalive acknowledged──▶ CONNECTED
 *       │                                   │
 *       └──server: expired, or close()──────┴──────▶ EXPIRED (final; {@link #expired()} completes)
 * </pre>
 * DISCONNECTED does not mean expired: the session lives on the server until its deadline, and a new leader gives it
 * a fresh TTL. But only the server can say it expired, so while DISCONNECTED a holder of ephemeral-based locks must
 * stop relying on them at {@link #validUntilNanos()}: the send time of the last acknowledged keepalive plus the TTL,
 * after which the server may have expired the session.
 *
 * <p>Thread-safety: thread-safe. Keepalives run on the client's timer thread and gRPC threads; listeners are called
 * on those threads and must not block.
 */
public final class Session implements AutoCloseable {

    /** A session's state as this client knows it; see the class comment. */
    public enum State { CONNECTED, DISCONNECTED, EXPIRED }

    /** Between reconnection attempts while keepalives fail: quick enough for a 1 s TTL, slow enough not to spin. */
    static final long RETRY_MILLIS = 100;

    private final KvClient client;
    private final RetryingCaller caller;
    private final long id;
    private final Duration ttl;
    private final CompletableFuture<Void> expired = new CompletableFuture<>();
    private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Boolean>> doubtListeners = new CopyOnWriteArrayList<>();
    /** Guarded by this: a keepalive failed or went unanswered for TTL/3, and none was acknowledged since. */
    private boolean inDoubt;
    /** Guarded by this: a change of inDoubt not yet told to the doubt listeners. */
    private Boolean pendingDoubt;
    /** Send times of keepalives not yet answered on the current stream, oldest first; bounded by the TTL/interval. */
    private final ArrayDeque<Long> unanswered = new ArrayDeque<>();
    private State state = State.CONNECTED;
    private long validUntilNanos;
    private String target;
    private ClientCall<SessionKeepAliveRequest, SessionKeepAliveResponse> call;
    private StreamObserver<SessionKeepAliveRequest> stream;
    private boolean closed;

    private Session(KvClient client, RetryingCaller caller, long id, Duration ttl, long openSentNanos) {
        this.client = client;
        this.caller = caller;
        this.id = id;
        this.ttl = ttl;
        this.validUntilNanos = openSentNanos + ttl.toNanos();
        this.target = caller.endpoints().preferred();
    }

    static Session start(KvClient client, RetryingCaller caller, long id, Duration ttl, long openSentNanos) {
        Session session = new Session(client, caller, id, ttl, openSentNanos);
        session.schedule(0);
        return session;
    }

    /** The server's id of this session: the raft index of its open, never reused. */
    public long id() {
        return id;
    }

    /** The TTL the server granted. */
    public Duration ttl() {
        return ttl;
    }

    /** The current state. */
    public synchronized State state() {
        return state;
    }

    /**
     * {@link System#nanoTime()} until which the session is certainly alive on the server: the send time of the last
     * acknowledged keepalive (or of the open) plus the TTL. After it, only the server knows.
     */
    public synchronized long validUntilNanos() {
        return validUntilNanos;
    }

    /** Completes (never exceptionally) when the session ended: the server said it expired, or {@link #close()}. */
    public CompletableFuture<Void> expired() {
        return expired;
    }

    /** Calls {@code listener} with each new state. It must not block; it runs on a client thread. */
    public void addListener(Consumer<State> listener) {
        listeners.add(listener);
    }

    /**
     * Calls {@code listener} with true as soon as keepalives are in trouble (the stream failed, or a keepalive went
     * unanswered for TTL/3), and with false when one is acknowledged again. Earlier than {@link State#DISCONNECTED},
     * which waits until the server may have expired the session: this is the moment to stop trusting locks and
     * leadership (Curator's SUSPENDED). It must not block; it runs on a client thread.
     */
    public void addDoubtListener(Consumer<Boolean> listener) {
        doubtListeners.add(listener);
    }

    /** Whether keepalives are in trouble now; see {@link #addDoubtListener}. */
    public synchronized boolean inDoubt() {
        return inDoubt;
    }

    /** Creates an ephemeral znode owned by this session. @throws KvSessionExpiredException when it is not live */
    public CreateResult createEphemeral(String path, byte[] value) {
        return createEphemeral(path, value, false);
    }

    /** Creates an ephemeral znode, with a sequential name when {@code sequential} (see {@link CreateOptions}). */
    public CreateResult createEphemeral(String path, byte[] value, boolean sequential) {
        CreateOptions options = sequential ? CreateOptions.DEFAULT.withSequential() : CreateOptions.DEFAULT;
        return client.awaitResult(client.createAsync(path, value, options, id));
    }

    /**
     * Ends the session on the server, which deletes its ephemeral znodes, and stops keepalives. A session the server
     * already expired is not an error. Idempotent. @throws KvUnavailableException when the cluster could not be
     * reached within the retry deadline (the session then expires by itself after its TTL)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            endStream();
        }
        try {
            client.awaitResult(client.closeSessionAsync(id));
        } catch (KvSessionExpiredException alreadyGone) {
            // the server ended it first: the outcome the caller wanted
        } finally {
            moveTo(State.EXPIRED);
        }
    }

    private void schedule(long delayMillis) {
        try {
            caller.timer().schedule(this::keepAlive, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            // the client closed: no more keepalives; the server expires the session after its TTL
        }
    }

    /** One keepalive, then the next one is scheduled. Timer thread. */
    private void keepAlive() {
        long nextMillis;
        synchronized (this) {
            if (closed || state == State.EXPIRED) {
                return;
            }
            long now = System.nanoTime();
            if (state == State.CONNECTED && now - validUntilNanos > 0) {
                setState(State.DISCONNECTED);
            }
            if (!unanswered.isEmpty() && now - unanswered.peekFirst() > ttl.toNanos() / 3) {
                setDoubt(true);
            }
            try {
                if (stream == null) {
                    openStream();
                }
                unanswered.addLast(now);
                stream.onNext(SessionKeepAliveRequest.newBuilder().setSessionId(id).build());
            } catch (RuntimeException e) {
                streamFailed(e);
            }
            nextMillis = state == State.CONNECTED ? Math.max(1, ttl.toMillis() / 3) : RETRY_MILLIS;
        }
        notifyListeners();
        schedule(nextMillis);
    }

    private void openStream() {
        Endpoints endpoints = caller.endpoints();
        ClientCall<SessionKeepAliveRequest, SessionKeepAliveResponse> c = endpoints.channel(target)
                .newCall(SessionGrpc.getKeepAliveMethod(), CallOptions.DEFAULT);
        call = c;
        unanswered.clear();
        stream = ClientCalls.asyncBidiStreamingCall(c, new StreamObserver<>() {
            @Override
            public void onNext(SessionKeepAliveResponse response) {
                answered(c, response);
            }

            @Override
            public void onError(Throwable t) {
                failed(c, t);
            }

            @Override
            public void onCompleted() {
                failed(c, new IllegalStateException("the server ended the keepalive stream"));
            }
        });
    }

    private void answered(ClientCall<?, ?> from, SessionKeepAliveResponse response) {
        synchronized (this) {
            if (from != call) {
                return;
            }
            Long sent = unanswered.pollFirst();
            if (response.getExpired()) {
                endStream();
                setState(State.EXPIRED);
            } else if (sent != null) {
                validUntilNanos = Math.max(validUntilNanos, sent + ttl.toNanos());
                caller.endpoints().succeeded(target);
                setState(State.CONNECTED);
                setDoubt(false);
            }
        }
        notifyListeners();
    }

    private void failed(ClientCall<?, ?> from, Throwable t) {
        synchronized (this) {
            if (from != call) {
                return;
            }
            streamFailed(t);
        }
        notifyListeners();
    }

    /** Drops the stream and picks the next member: the leader a NOT_LEADER answer names, else the next endpoint. */
    private void streamFailed(Throwable t) {
        call = null;
        stream = null;
        unanswered.clear();
        setDoubt(true);
        String leader = t instanceof CompletionException ? null
                : io.grpc.Status.trailersFromThrowable(t) == null ? null
                : io.grpc.Status.trailersFromThrowable(t).get(ErrorTrailers.LEADER_ADDRESS);
        boolean notLeader = ErrorTrailers.reason(t).orElse(null) == ErrorCode.NOT_LEADER;
        target = notLeader && leader != null && !leader.equals(target) && caller.endpoints().mayFollow(leader)
                ? leader : caller.endpoints().after(target);
        if (state == State.CONNECTED && System.nanoTime() - validUntilNanos > 0) {
            setState(State.DISCONNECTED);
        }
    }

    private void endStream() {
        if (stream != null) {
            try {
                stream.onCompleted();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
        call = null;
        stream = null;
    }

    private State pendingNotification;

    /** Under the lock: records a state change; listeners are called after the lock is released. */
    private void setState(State next) {
        if (state == next || state == State.EXPIRED) {
            return;
        }
        state = next;
        pendingNotification = next;
    }

    /** Under the lock: records a change of doubt; listeners are called after the lock is released. */
    private void setDoubt(boolean doubt) {
        if (inDoubt != doubt && state != State.EXPIRED) {
            inDoubt = doubt;
            pendingDoubt = doubt;
        }
    }

    private void moveTo(State next) {
        synchronized (this) {
            setState(next);
        }
        notifyListeners();
    }

    private void notifyListeners() {
        State changed;
        Boolean doubt;
        synchronized (this) {
            changed = pendingNotification;
            pendingNotification = null;
            doubt = pendingDoubt;
            pendingDoubt = null;
        }
        if (doubt != null) {
            for (Consumer<Boolean> listener : doubtListeners) {
                try {
                    listener.accept(doubt);
                } catch (RuntimeException e) {
                    // a listener's failure must not stop keepalives
                }
            }
        }
        if (changed == null) {
            return;
        }
        if (changed == State.EXPIRED) {
            expired.complete(null);
        }
        for (Consumer<State> listener : listeners) {
            try {
                listener.accept(changed);
            } catch (RuntimeException e) {
                // a listener's failure must not stop keepalives
            }
        }
    }
}
