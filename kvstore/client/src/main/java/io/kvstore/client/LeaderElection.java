package io.kvstore.client;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.CampaignRequest;
import io.kvstore.api.v1.CampaignResponse;
import io.kvstore.api.v1.ElectionGrpc;
import io.kvstore.api.v1.LeaderKey;
import io.kvstore.api.v1.LeaderRequest;
import io.kvstore.api.v1.LeaderResponse;
import io.kvstore.api.v1.ProclaimRequest;
import io.kvstore.api.v1.ResignRequest;
import io.kvstore.client.internal.RetryingCaller;
import io.kvstore.client.internal.SerialExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One candidate in a leader election (docs/client.md, "Locks and elections"), owned by a {@link Session}.
 *
 * <pre>{@code
 * LeaderElection election = kv.election("scheduler", session);
 * election.addListener(state -> { if (state != LeaderElection.State.LEADER) pauseWork(); });
 * if (election.campaign("host-a:8080".getBytes(UTF_8), Duration.ofMinutes(5))) {
 *     runAsLeader(election.fencingToken());
 * }
 * }</pre>
 *
 * <p><b>States</b> ({@link #state()}, {@link #addListener}):
 * <pre>
 *   NOT_LEADER ──campaign won──▶ LEADER ──keepalives in doubt──▶ IN_DOUBT ──keepalive acknowledged──▶ LEADER
 *                                  │                                 │
 *                                  └──resign, or session EXPIRED─────┴──────▶ NOT_LEADER
 * </pre>
 * IN_DOUBT is reported as soon as the session's keepalives fail or go unanswered for TTL/3
 * ({@link Session#addDoubtListener}), well before the server may expire the session (like Curator's SUSPENDED): a leader must stop acting on leadership then, or at the latest at
 * {@link Session#validUntilNanos()}. Writes guarded by {@link #fencingToken()} stay safe regardless: the store
 * rejects them once another candidate leads.
 *
 * <p>Thread-safe. Listeners are called one at a time on a client callback thread and must not block.
 */
public final class LeaderElection {

    /** This candidate's view of its own leadership; see the class comment. */
    public enum State { NOT_LEADER, LEADER, IN_DOUBT }

    /** Pause before re-opening an observation on another member. */
    private static final long OBSERVE_RETRY_MILLIS = 200;

    private final KvClient client;
    private final RetryingCaller caller;
    private final String name;
    private final Session session;
    private final Executor callbacks;
    private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
    /** Guarded by this. */
    private LeaderKey leading;
    /** Guarded by this. */
    private State state = State.NOT_LEADER;

    LeaderElection(KvClient client, RetryingCaller caller, String name, Session session, Executor callbackPool) {
        this.client = client;
        this.caller = caller;
        this.name = Objects.requireNonNull(name, "name");
        this.session = Objects.requireNonNull(session, "session");
        this.callbacks = new SerialExecutor(callbackPool);
        session.addListener(this::sessionChanged);
        session.addDoubtListener(this::doubtChanged);
    }

    /**
     * Joins the election and waits up to {@code timeout} to lead. On timeout the candidacy is withdrawn.
     *
     * @return true when this candidate leads
     * @throws IllegalStateException when it already leads
     * @throws KvSessionExpiredException when the session is not live or ends while waiting
     */
    public boolean campaign(byte[] value, Duration timeout) {
        synchronized (this) {
            if (leading != null) {
                throw new IllegalStateException("already leading election " + name);
            }
        }
        CampaignRequest.Builder request = CampaignRequest.newBuilder().setName(name).setSessionId(session.id())
                .setValue(ByteString.copyFrom(value)).setTimeoutMillis(Math.max(1, timeout.toMillis()));
        CampaignResponse r = client.awaitResult(caller.writeWaiting(ElectionGrpc.getCampaignMethod(),
                header -> request.setHeader(header).build(), timeout), timeout);
        if (!r.getElected()) {
            return false;
        }
        synchronized (this) {
            leading = r.getLeader();
            setState(session.state() == Session.State.EXPIRED ? State.NOT_LEADER
                    : session.state() == Session.State.DISCONNECTED || session.inDoubt() ? State.IN_DOUBT
                    : State.LEADER);
        }
        return true;
    }

    /**
     * Replaces the leader's value. @throws KvPreconditionException (FENCED) when this candidate no longer leads
     * @throws IllegalStateException when it never won or resigned
     */
    public void proclaim(byte[] value) {
        LeaderKey key = leadingKey();
        ProclaimRequest.Builder request = ProclaimRequest.newBuilder().setLeader(key)
                .setValue(ByteString.copyFrom(value));
        client.awaitResult(caller.write(ElectionGrpc.getProclaimMethod(), header -> request.setHeader(header)
                .build()));
    }

    /**
     * Gives up leadership; the next candidate leads. Does nothing when not leading.
     *
     * @throws KvPreconditionException (LOCK_NOT_HELD) when leadership had already ended on the server
     */
    public void resign() {
        LeaderKey key;
        synchronized (this) {
            key = leading;
            leading = null;
            setState(State.NOT_LEADER);
        }
        if (key == null) {
            return;
        }
        ResignRequest.Builder request = ResignRequest.newBuilder().setLeader(key);
        client.awaitResult(caller.write(ElectionGrpc.getResignMethod(), header -> request.setHeader(header).build()));
    }

    /** This candidate's leadership token. @throws IllegalStateException when not leading */
    public FencingToken fencingToken() {
        LeaderKey key = leadingKey();
        return new FencingToken(key.getLockPath(), key.getToken());
    }

    /** The current state; see the class comment. */
    public synchronized State state() {
        return state;
    }

    /** Calls {@code listener} with every state change. */
    public void addListener(Consumer<State> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The election's current leader (a linearizable read), or empty. */
    public Optional<ElectionLeader> leader() {
        try {
            LeaderResponse r = client.awaitResult(caller.read(ElectionGrpc.getLeaderMethod(),
                    LeaderRequest.newBuilder().setName(name).build()));
            return Optional.of(toLeader(r));
        } catch (KvNotFoundException noLeader) {
            return Optional.empty();
        }
    }

    /**
     * Streams leadership changes of this election to {@code listener}: the current leader, then every new leader
     * or new value, in order, each once. A member that fails is replaced by the next one; the stream then restarts
     * from the current leader, so leaders that came and went while it was reconnecting may be skipped (never
     * reordered). Close the returned handle to stop.
     */
    public AutoCloseable observe(Consumer<ElectionLeader> listener) {
        Observation o = new Observation(listener);
        o.open(caller.endpoints().preferred());
        return o::close;
    }

    private synchronized LeaderKey leadingKey() {
        if (leading == null) {
            throw new IllegalStateException("not leading election " + name);
        }
        return leading;
    }

    private void doubtChanged(boolean doubt) {
        synchronized (this) {
            if (leading != null) {
                setState(doubt ? State.IN_DOUBT : session.state() == Session.State.CONNECTED ? State.LEADER
                        : State.IN_DOUBT);
            }
        }
    }

    private void sessionChanged(Session.State s) {
        synchronized (this) {
            if (leading == null) {
                return;
            }
            switch (s) {
                case DISCONNECTED -> setState(State.IN_DOUBT);
                case CONNECTED -> setState(session.inDoubt() ? State.IN_DOUBT : State.LEADER);
                case EXPIRED -> {
                    leading = null;
                    setState(State.NOT_LEADER);
                }
                default -> { }
            }
        }
    }

    /** Guarded by this; notifies listeners in order on the callback executor. */
    private void setState(State next) {
        if (state == next) {
            return;
        }
        state = next;
        for (Consumer<State> l : listeners) {
            callbacks.execute(() -> l.accept(next));
        }
    }

    private ElectionLeader toLeader(LeaderResponse r) {
        LeaderKey k = r.getLeader();
        return new ElectionLeader(k.getKey(), new FencingToken(k.getLockPath(), k.getToken()), r.getValue(),
                r.getSessionId(), r.getHeader().getRevision());
    }

    /** One observation: a server stream, re-opened on the next member when it fails. */
    private final class Observation {
        private final Consumer<ElectionLeader> listener;
        private volatile boolean closed;
        private volatile ClientCall<LeaderRequest, LeaderResponse> call;
        /** Written on the stream's thread only. */
        private LeaderResponse last;

        Observation(Consumer<ElectionLeader> listener) {
            this.listener = listener;
        }

        void open(String address) {
            if (closed) {
                return;
            }
            ClientCall<LeaderRequest, LeaderResponse> c = caller.endpoints().channel(address)
                    .newCall(ElectionGrpc.getObserveMethod(), CallOptions.DEFAULT);
            call = c;
            ClientCalls.asyncServerStreamingCall(c, LeaderRequest.newBuilder().setName(name).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(LeaderResponse r) {
                            LeaderResponse body = r.toBuilder().clearHeader().build();
                            if (!r.getHasLeader() || body.equals(last)) {
                                return;
                            }
                            last = body;
                            ElectionLeader leader = toLeader(r);
                            callbacks.execute(() -> listener.accept(leader));
                        }

                        @Override
                        public void onError(Throwable t) {
                            retry(caller.endpoints().after(address));
                        }

                        @Override
                        public void onCompleted() {
                            retry(caller.endpoints().after(address));
                        }
                    });
        }

        private void retry(String next) {
            if (closed) {
                return;
            }
            try {
                caller.timer().schedule(() -> open(next), OBSERVE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException clientClosed) {
                closed = true;
            }
        }

        void close() {
            closed = true;
            ClientCall<LeaderRequest, LeaderResponse> c = call;
            if (c != null) {
                c.cancel("observation closed", null);
            }
        }
    }
}
