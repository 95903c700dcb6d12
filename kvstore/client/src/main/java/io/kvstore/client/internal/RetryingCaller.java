package io.kvstore.client.internal;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.client.KvException;
import io.kvstore.client.KvUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs unary calls with deadlines, retries and leader discovery; the machinery behind {@code KvClient}.
 *
 * <pre>
 *   call ──► attempt on preferred endpoint ──ok──► remember endpoint, complete
 *                 │ failed
 *                 ├─ not retryable ──────────────► complete with the mapped KvException
 *                 ├─ NOT_LEADER + leader address ─► next attempt there (at once the first time in a row)
 *                 └─ other retryable ────────────► next configured endpoint, after backoff with jitter
 *   every attempt: deadline = min(requestTimeout, time left); no attempt starts after the retry deadline,
 *   which then completes the call with KvUnavailableException carrying the last failure.
 * </pre>
 *
 * <p>A write holds a {@link Lanes.Lane} for its whole life, so every attempt carries the same client id and
 * sequence and the server applies it at most once.
 *
 * <p>Thread-safe. gRPC callbacks and one timer thread drive the attempts; nothing blocks. Futures complete on those
 * threads. Owns the endpoints' channels and the timer.
 */
public final class RetryingCaller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetryingCaller.class);

    private final ClientConfig config;
    private final Endpoints endpoints;
    private final Lanes lanes;
    private final ScheduledExecutorService timer;
    private final Random jitter;
    private volatile boolean closed;
    /** With credentials (TokenCredentials), a call refused for its token is retried with a fresh one. */
    private final boolean authRetries;

    /** @param jitter the source of backoff jitter; seed it to make a test's delays repeatable */
    public RetryingCaller(ClientConfig config, Endpoints endpoints, Random jitter) {
        this(config, endpoints, jitter, false);
    }

    /** @param authRetries retry calls refused for their token (the client has TokenCredentials) */
    public RetryingCaller(ClientConfig config, Endpoints endpoints, Random jitter, boolean authRetries) {
        this.authRetries = authRetries;
        this.config = config;
        this.endpoints = endpoints;
        this.jitter = jitter;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kvclient-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
        this.lanes = new Lanes(config.writeLanes(), config.laneWaitersMax(), timer);
    }

    /** The members and their channels (for calls that are not unary, such as session keepalive streams). */
    public Endpoints endpoints() {
        return endpoints;
    }

    /** The client's one timer thread: for short, non-blocking periodic work only. */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** A read: retried freely, no header. */
    public <Q, R> CompletableFuture<R> read(MethodDescriptor<Q, R> method, Q request) {
        return new Call<>(method, request, deadlineFromNow()).start();
    }

    /**
     * One attempt at {@code address} only, with the per-attempt timeout and no retry: for calls about one member
     * (its status). A retryable failure completes the future with {@link KvUnavailableException}, any other with
     * the mapped {@link KvException}.
     */
    public <Q, R> CompletableFuture<R> once(String address, MethodDescriptor<Q, R> method, Q request) {
        deadlineFromNow(); // refuses after close
        CompletableFuture<R> result = new CompletableFuture<>();
        try {
            ClientCalls.asyncUnaryCall(endpoints.channel(address).newCall(method, CallOptions.DEFAULT
                    .withDeadlineAfter(config.requestTimeout().toNanos(), TimeUnit.NANOSECONDS)), request,
                    new StreamObserver<R>() {
                        private R response;

                        @Override
                        public void onNext(R value) {
                            response = value;
                        }

                        @Override
                        public void onError(Throwable t) {
                            result.completeExceptionally(StatusErrors.isRetryable(t)
                                    ? new KvUnavailableException(method.getBareMethodName() + " on " + address + ": "
                                            + StatusErrors.describe(t), ErrorTrailers.reason(t).orElse(null), t)
                                    : StatusErrors.toException(t));
                        }

                        @Override
                        public void onCompleted() {
                            result.complete(response);
                        }
                    });
        } catch (KvException closed) {
            result.completeExceptionally(closed);
        }
        return result;
    }

    /** A write: waits for a lane, then sends {@code withHeader(lane header)} with retries. */
    public <Q, R> CompletableFuture<R> write(MethodDescriptor<Q, R> method, Function<RequestHeader, Q> withHeader) {
        long deadlineNanos = deadlineFromNow();
        return lanes.acquire(deadlineNanos).thenCompose(lane -> {
            CompletableFuture<R> result;
            try {
                result = new Call<>(method, withHeader.apply(lane.nextHeader()), deadlineNanos).start();
            } catch (RuntimeException e) {
                lanes.release(lane);
                throw e;
            }
            return result.whenComplete((ok, failed) -> lanes.release(lane));
        });
    }

    /**
     * A write that may block on the server for up to {@code wait} (a lock acquisition, a campaign): each attempt
     * gets {@code wait} plus the per-attempt timeout, so the server answers before the attempt's deadline, and the
     * call retries (same lane header: the server re-joins the same waiter) until {@code wait} plus the retry
     * deadline has passed.
     */
    public <Q, R> CompletableFuture<R> writeWaiting(MethodDescriptor<Q, R> method, Function<RequestHeader, Q> withHeader,
                                                   Duration wait) {
        long deadlineNanos = deadlineFromNow() + wait.toNanos();
        long attemptNanos = config.requestTimeout().toNanos() + wait.toNanos();
        return lanes.acquire(deadlineNanos).thenCompose(lane -> {
            CompletableFuture<R> result;
            try {
                result = new Call<>(method, withHeader.apply(lane.nextHeader()), deadlineNanos, attemptNanos).start();
            } catch (RuntimeException e) {
                lanes.release(lane);
                throw e;
            }
            return result.whenComplete((ok, failed) -> lanes.release(lane));
        });
    }

    private long deadlineFromNow() {
        if (closed) {
            throw new IllegalStateException("KvClient is closed");
        }
        return System.nanoTime() + config.retryDeadline().toNanos();
    }

    /** One logical call: its attempts share the request and the deadline. */
    private final class Call<Q, R> {
        private final MethodDescriptor<Q, R> method;
        private final Q request;
        private final long deadlineNanos;
        private final long attemptNanos;
        private final CompletableFuture<R> result = new CompletableFuture<>();
        private int attempts;
        private int hintsInARow;

        Call(MethodDescriptor<Q, R> method, Q request, long deadlineNanos) {
            this(method, request, deadlineNanos, config.requestTimeout().toNanos());
        }

        Call(MethodDescriptor<Q, R> method, Q request, long deadlineNanos, long attemptNanos) {
            this.method = method;
            this.request = request;
            this.deadlineNanos = deadlineNanos;
            this.attemptNanos = attemptNanos;
        }

        CompletableFuture<R> start() {
            attempt(endpoints.preferred(), null);
            return result;
        }

        private void attempt(String address, Throwable lastFailure) {
            long leftNanos = deadlineNanos - System.nanoTime();
            if (closed) {
                giveUp("client closed", lastFailure);
                return;
            }
            if (leftNanos <= 0) {
                giveUp("retry deadline of " + config.retryDeadline().toMillis() + " ms passed", lastFailure);
                return;
            }
            attempts++;
            long timeoutNanos = Math.min(attemptNanos, leftNanos);
            try {
                ClientCalls.asyncUnaryCall(
                        endpoints.channel(address).newCall(method,
                                CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)),
                        request, new StreamObserver<R>() {
                            private R response;

                            @Override
                            public void onNext(R value) {
                                response = value;
                            }

                            @Override
                            public void onError(Throwable t) {
                                failed(address, t);
                            }

                            @Override
                            public void onCompleted() {
                                endpoints.succeeded(address);
                                result.complete(response);
                            }
                        });
            } catch (KvException closedMeanwhile) {
                giveUp("client closed", lastFailure);
            }
        }

        private void failed(String address, Throwable failure) {
            if (!StatusErrors.isRetryable(failure)
                    && !(authRetries && TokenCredentials.isAuthRetryable(failure))) {
                result.completeExceptionally(StatusErrors.toException(failure));
                return;
            }
            String leader = StatusErrors.leaderAddress(failure);
            String next;
            long delayNanos;
            if (leader != null && !leader.equals(address) && endpoints.mayFollow(leader)) {
                next = leader;
                // Follow a fresh hint at once; back off when hints keep bouncing (an election in progress).
                delayNanos = hintsInARow++ == 0 ? 0 : backoffNanos();
            } else {
                hintsInARow = 0;
                next = endpoints.after(address);
                delayNanos = backoffNanos();
            }
            log.debug("{} attempt {} on {} failed ({}); next on {} in {} ms", method.getBareMethodName(), attempts,
                    address, StatusErrors.describe(failure), next, TimeUnit.NANOSECONDS.toMillis(delayNanos));
            if (System.nanoTime() + delayNanos >= deadlineNanos) {
                giveUp("retry deadline of " + config.retryDeadline().toMillis() + " ms passed", failure);
                return;
            }
            if (delayNanos == 0) {
                attempt(next, failure);
                return;
            }
            try {
                timer.schedule(() -> attempt(next, failure), delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException timerClosed) {
                giveUp("client closed", failure);
            }
        }

        /** Exponential from backoffInitial, capped at backoffMax, then "equal jitter": half fixed, half random. */
        private long backoffNanos() {
            long base = config.backoffInitial().toNanos();
            long cap = config.backoffMax().toNanos();
            int doublings = Math.min(Math.max(attempts - 1, 0), 30);
            long delay = Math.min(cap, base << doublings);
            if (delay < 0) {
                delay = cap;
            }
            long half = delay / 2;
            synchronized (jitter) {
                return half + (half == 0 ? 0 : (long) (jitter.nextDouble() * half));
            }
        }

        private void giveUp(String why, Throwable lastFailure) {
            String message = method.getBareMethodName() + ": " + why + " after " + attempts + " attempt(s)"
                    + (lastFailure == null ? "" : "; last: " + StatusErrors.describe(lastFailure));
            result.completeExceptionally(new KvUnavailableException(message,
                    lastFailure == null ? null : ErrorTrailers.reason(lastFailure).orElse(null), lastFailure));
        }
    }

    /** Cancels calls in flight (they fail with KvUnavailableException) and releases channels and the timer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lanes.failWaiters("client closed");
        // Pending backoff tasks see `closed` and fail their calls; run them now instead of dropping them.
        List<Runnable> pending = timer.shutdownNow();
        endpoints.close();
        pending.forEach(Runnable::run);
    }

    /** For tests and diagnostics: the timeout of a sync wait, beyond which the call's own deadlines have passed. */
    public Duration syncWaitMax() {
        return config.retryDeadline().plus(config.requestTimeout()).plusSeconds(5);
    }
}
