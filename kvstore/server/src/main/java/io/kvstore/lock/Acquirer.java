package io.kvstore.lock;

import io.grpc.Context;
import io.grpc.Status;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.LockWaiter;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.LockQueue;
import io.kvstore.store.ZPath;
import io.kvstore.watch.WatchHub;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acquisition, shared by Lock.Acquire/TryAcquire and Election.Campaign: queue a waiter (a sequential ephemeral
 * create through {@link StoreWriter}, exactly once with the caller's header), wait with {@link LockWait}, and end in
 * exactly one of: granted; timed out or not held by a try (waiter deleted, {@code acquired=false}); the call
 * cancelled or its deadline passed (waiter deleted, the call fails as gRPC reports); the waiter lost (session
 * ended). A grant that races the call's cancellation deletes the waiter too: a caller that never heard of a grant
 * must not keep the lock. Thread-safe, stateless between calls.
 */
final class Acquirer {

    private static final Logger log = LoggerFactory.getLogger(Acquirer.class);

    /** The outcome: acquired (with the token), or not (timeout, or a try that does not hold). */
    record Grant(boolean acquired, String key, long token, long revision) {
    }

    private final StoreWriter writer;
    private final WatchHub hub;
    private final KvStateMachine store;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;

    Acquirer(StoreWriter writer, WatchHub hub, KvStateMachine store, Executor executor,
             ScheduledExecutorService scheduler) {
        this.writer = writer;
        this.hub = hub;
        this.store = store;
        this.executor = executor;
        this.scheduler = scheduler;
    }

    /**
     * Queues and waits. Call on the gRPC call's thread: its context (deadline, cancellation) bounds the wait.
     *
     * @param timeoutMillis 0: until the call's deadline; otherwise answer not-acquired after this long
     * @param tryOnly do not wait: answer as soon as the waiter is applied on this member
     */
    CompletableFuture<Grant> acquire(RequestHeader header, ZPath dir, long sessionId, LockWaiter value,
                                     long timeoutMillis, boolean tryOnly) {
        CompletableFuture<Grant> out = new CompletableFuture<>();
        Context call = Context.current();
        CreateRequest create = CreateRequest.newBuilder().setHeader(header)
                .setPath(dir.child(LockQueue.WAITER_PREFIX).value()).setSequential(true).setMakeParents(true)
                .setSessionId(sessionId).setValue(value.toByteString()).build();
        writer.create(create).whenComplete((created, error) -> {
            if (error != null) {
                out.completeExceptionally(error);
                return;
            }
            ZPath key = ZPath.parse(created.getPath());
            long token = created.getStat().getCreateRevision();
            LockWait wait = new LockWait(hub, store, executor, key, token, sessionId, tryOnly);
            AtomicBoolean finished = new AtomicBoolean();
            ScheduledFuture<?> timer = timeoutMillis > 0 && !tryOnly
                    ? scheduler.schedule(() -> {
                        if (finished.compareAndSet(false, true)) {
                            wait.close();
                            remove(call, key).whenComplete((ok, e) -> out.complete(new Grant(false, key.value(), 0,
                                    store.revision())));
                        }
                    }, timeoutMillis, TimeUnit.MILLISECONDS)
                    : null;
            call.addListener(ctx -> {
                if (finished.compareAndSet(false, true)) {
                    wait.close();
                    remove(call, key);
                    out.completeExceptionally(Status.fromThrowable(ctx.cancellationCause()).asRuntimeException());
                }
            }, executor);
            wait.start().whenComplete((holds, failed) -> {
                if (!finished.compareAndSet(false, true)) {
                    return;
                }
                wait.close();
                if (timer != null) {
                    timer.cancel(false);
                }
                if (failed != null) {
                    out.completeExceptionally(failed);
                } else if (call.isCancelled()) {
                    remove(call, key);
                    out.completeExceptionally(Status.CANCELLED.withDescription("the call ended as the lock was "
                            + "granted; the waiter was removed").asRuntimeException());
                } else if (holds) {
                    out.complete(new Grant(true, key.value(), token, store.revision()));
                } else {
                    remove(call, key).whenComplete((ok, e) -> out.complete(new Grant(false, key.value(), 0,
                            store.revision())));
                }
            });
        });
        return out;
    }

    /**
     * Deletes a waiter in a context detached from the (possibly cancelled) call; a failure is only logged. The
     * context is forked from {@code call}, the acquiring call's own, not from the current thread's: the removal
     * runs on a timer, watch or cancellation thread whose context carries no caller, and a follower forwards the
     * delete to the leader with the caller's identity from the context (auth: a delete forwarded as the member
     * itself is refused, which would leave a stale waiter that could later be granted the lock with nobody there).
     */
    CompletableFuture<Void> remove(Context call, ZPath key) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        call.fork().run(() -> writer.delete(DeleteRequest.newBuilder().setPath(key.value()).build())
                .whenComplete((r, e) -> {
                    if (e != null && !Status.fromThrowable(e).getCode().equals(Status.Code.NOT_FOUND)) {
                        log.warn("could not remove lock waiter {} (its session's end will): {}", key, e.toString());
                    }
                    done.complete(null);
                }));
        return done;
    }
}
