package io.kvstore.client;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.AcquireRequest;
import io.kvstore.api.v1.AcquireResponse;
import io.kvstore.api.v1.LockGrpc;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.ReleaseRequest;
import io.kvstore.client.internal.RetryingCaller;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A distributed lock, counting semaphore, or one side of a read-write lock, held through the server's Lock service
 * (docs/client.md, "Locks and elections"). Fair: waiters are granted in arrival order. Each grant carries a
 * {@link FencingToken}; use it ({@link KvClient#fenced}, or an external resource that checks tokens) for every
 * write the lock guards, because a holder can lose the lock without knowing (a long GC pause, a partition: the
 * session expires and the next waiter is granted).
 *
 * <pre>{@code
 * try (Session session = kv.openSession(Duration.ofSeconds(10))) {
 *     DistributedLock lock = kv.lock("nightly-report", session);
 *     if (lock.acquire(Duration.ofSeconds(30))) {
 *         try {
 *             kv.fenced(lock.fencingToken()).put("/reports/latest", bytes, PutOptions.DEFAULT);
 *         } finally {
 *             lock.release();
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Ownership.</b> The lock belongs to the {@link Session}: when the session ends (closed, or expired on the
 * server) the lock is released. While the session is {@link Session.State#DISCONNECTED} the grant is in doubt: stop
 * relying on it at {@link Session#validUntilNanos()} at the latest. Not reentrant: one handle holds at most one grant;
 * take another handle for another grant (a semaphore's permits). Thread-safe.
 */
public final class DistributedLock {

    /** The server-side mode of this handle's waiters. */
    enum Kind { EXCLUSIVE, SHARED }

    private final KvClient client;
    private final RetryingCaller caller;
    private final String name;
    private final Session session;
    private final Kind kind;
    private final int permits;
    /** Guarded by this: the current grant, or null. */
    private AcquireResponse held;

    DistributedLock(KvClient client, RetryingCaller caller, String name, Session session, Kind kind, int permits) {
        this.client = client;
        this.caller = caller;
        this.name = Objects.requireNonNull(name, "name");
        this.session = Objects.requireNonNull(session, "session");
        this.kind = kind;
        if (kind == Kind.EXCLUSIVE && permits < 1) {
            throw new IllegalArgumentException("permits must be >= 1: " + permits);
        }
        this.permits = permits;
    }

    /** The lock's name. */
    public String name() {
        return name;
    }

    /**
     * Waits up to {@code timeout} for the lock. On timeout the waiter is removed and the answer is false.
     *
     * @return true when granted (then {@link #fencingToken()} is valid until {@link #release()})
     * @throws IllegalStateException when this handle already holds a grant
     * @throws KvSessionExpiredException when the session is not live or ends while waiting
     * @throws KvInvalidArgumentException (INVALID_LOCK_NAME) for a malformed name
     */
    public boolean acquire(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be >= 0: " + timeout);
        }
        if (timeout.isZero()) {
            return tryAcquire();
        }
        return granted(client.awaitResult(caller.writeWaiting(LockGrpc.getAcquireMethod(), header -> request()
                .setHeader(header).setTimeoutMillis(Math.max(1, timeout.toMillis())).build(), timeout), timeout));
    }

    /** Takes the lock only if it is free for this caller now; never waits. */
    public boolean tryAcquire() {
        return granted(client.awaitResult(caller.write(LockGrpc.getTryAcquireMethod(),
                header -> request().setHeader(header).build())));
    }

    /**
     * Releases the grant. Idempotent on the client: releasing a handle that holds nothing does nothing.
     *
     * @throws KvPreconditionException (LOCK_NOT_HELD) when the server had already released it (the session expired
     *     meanwhile): whatever was done under the lock since may have overlapped another holder
     */
    public void release() {
        client.awaitResult(releaseAsync());
    }

    /** Async form of {@link #release()}. */
    public CompletableFuture<Void> releaseAsync() {
        AcquireResponse grant;
        synchronized (this) {
            grant = held;
            held = null;
        }
        if (grant == null) {
            return CompletableFuture.completedFuture(null);
        }
        ReleaseRequest.Builder request = ReleaseRequest.newBuilder().setKey(grant.getKey())
                .setFencingToken(grant.getFencingToken());
        return caller.write(LockGrpc.getReleaseMethod(), header -> request.setHeader(header).build())
                .thenApply(r -> null);
    }

    /** Whether this handle holds a grant and its session has not ended (DISCONNECTED: in doubt, still true). */
    public synchronized boolean isHeld() {
        return held != null && session.state() != Session.State.EXPIRED;
    }

    /**
     * The current grant's fencing token.
     *
     * @throws IllegalStateException when not held
     */
    public synchronized FencingToken fencingToken() {
        if (held == null) {
            throw new IllegalStateException("lock " + name + " is not held by this handle");
        }
        return new FencingToken(held.getLockPath(), held.getFencingToken());
    }

    private synchronized boolean granted(AcquireResponse response) {
        if (response.getAcquired()) {
            held = response;
        }
        return response.getAcquired();
    }

    private AcquireRequest.Builder request() {
        synchronized (this) {
            if (held != null) {
                throw new IllegalStateException("lock " + name + " is already held by this handle (not reentrant)");
            }
        }
        return AcquireRequest.newBuilder().setName(name).setSessionId(session.id())
                .setMode(kind == Kind.SHARED ? LockMode.SHARED : LockMode.EXCLUSIVE)
                .setPermits(kind == Kind.SHARED ? 0 : permits).setOwner(OWNER);
    }

    /** Who holds it, for operators reading the waiter znode: "pid@host". */
    private static final ByteString OWNER = ByteString.copyFrom(
            ManagementFactory.getRuntimeMXBean().getName(), StandardCharsets.UTF_8);
}
