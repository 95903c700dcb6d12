package io.kvstore.lock;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.server.StatusMapper;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.LockQueue;
import io.kvstore.store.ZPath;
import io.kvstore.store.Znode;
import io.kvstore.watch.LocalWatch;
import io.kvstore.watch.WatchHub;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Waits, on this member's applied state, until one waiter znode holds its lock by the {@link LockQueue} rule.
 *
 * <p>No polling and no herd: each evaluation reads the lock's waiters once (one snapshot at revision R) and, if the
 * waiter does not hold, watches from R + 1 only the waiter it waits for ({@link LockQueue#blockerOf}: a mutex
 * waiter its predecessor, a reader the nearest writer before it; a semaphore waiter the directory), plus its own
 * znode (to notice its deletion: the session ended, or it was released). The watches are {@link LocalWatch}es on
 * the member's {@link WatchHub}, so a change between the read and the watch is replayed from history, never missed.
 * Any event of those watches triggers the next evaluation, which replaces them.
 *
 * <p>{@link #granted()} completes with true when the waiter holds (false: a try that does not hold); exceptionally (a mapped StatusRuntimeException) with
 * SESSION_EXPIRED or LOCK_NOT_HELD when its znode is gone. Evaluations run on {@code executor}, one at a time.
 * Thread-safe; {@link #close} stops the watches (it does not delete the waiter).
 */
final class LockWait implements AutoCloseable {

    private final KvStateMachine store;
    private final Executor executor;
    private final ZPath dir;
    private final ZPath key;
    private final long token;
    private final long sessionId;
    private final LocalWatch watch;
    private final boolean tryOnly;
    private final CompletableFuture<Boolean> granted = new CompletableFuture<>();
    /** Guarded by this. */
    private final Set<Long> watching = new HashSet<>();
    /** Guarded by this. */
    private long nextWatchId = 1;
    /** Guarded by this. */
    private boolean closed;
    /** Guarded by this: the znode watched by the last evaluation, for tests and logs ("" = none, "*" = dir). */
    private String blocker = "";

    /** @param tryOnly answer false as soon as the waiter is applied here and does not hold, instead of waiting */
    LockWait(WatchHub hub, KvStateMachine store, Executor executor, ZPath key, long token, long sessionId,
             boolean tryOnly) {
        this.tryOnly = tryOnly;
        this.store = store;
        this.executor = executor;
        this.dir = key.parent();
        this.key = key;
        this.token = token;
        this.sessionId = sessionId;
        this.watch = LocalWatch.open(hub, this::onResponse);
    }

    /** Starts waiting; the same future every call. */
    CompletableFuture<Boolean> start() {
        executor.execute(this::evaluate);
        return granted;
    }

    CompletableFuture<Boolean> granted() {
        return granted;
    }

    /** The path this waiter watched last: its blocker, "*" for the whole directory, "" when none. */
    synchronized String blocker() {
        return blocker;
    }

    private void onResponse(WatchResponse r) {
        if (!r.hasEvents() && !r.hasCanceled()) {
            return; // created, progress
        }
        synchronized (this) {
            if (closed || !watching.contains(r.getWatchId())) {
                return; // a watch an earlier evaluation replaced
            }
        }
        executor.execute(this::evaluate);
    }

    private void evaluate() {
        try {
            evaluateOnce();
        } catch (RuntimeException e) {
            granted.completeExceptionally(StatusMapper.internal(e));
            close();
        }
    }

    private synchronized void evaluateOnce() {
        if (closed || granted.isDone()) {
            return;
        }
        for (long id : watching) {
            watch.cancel(id);
        }
        watching.clear();
        KvStateMachine.Children children = store.readChildren(dir, LockQueue.WAITERS_READ_MAX);
        List<LockQueue.Waiter> ordered = waiters(children.znodes());
        int self = -1;
        for (int i = 0; i < ordered.size(); i++) {
            if (ordered.get(i).name().equals(key.name())) {
                self = i;
                break;
            }
        }
        long from = children.revision() + 1;
        if (self < 0) {
            if (children.revision() >= token) {
                boolean live = store.session(sessionId).isPresent();
                granted.completeExceptionally(StatusMapper.toException(live
                        ? Failure.of(ErrorCode.LOCK_NOT_HELD, "waiter " + key + " was deleted (released) while "
                                + "waiting")
                        : Failure.of(ErrorCode.SESSION_EXPIRED, "session " + sessionId + " ended while waiting "
                                + "for " + dir + ": its waiter " + key + " is gone")));
                close();
                return;
            }
            blocker = "";
            watchPath(key.value(), WatchMode.ZNODE, from); // not applied on this member yet
            return;
        }
        if (LockQueue.holds(ordered, self)) {
            blocker = "";
            granted.complete(true);
            return;
        }
        if (tryOnly) {
            granted.complete(false);
            return;
        }
        int b = LockQueue.blockerOf(ordered, self);
        if (b < 0) {
            blocker = "*";
            watchPath(dir.value(), WatchMode.CHILDREN, from);
        } else {
            blocker = dir.child(ordered.get(b).name()).value();
            watchPath(blocker, WatchMode.ZNODE, from);
        }
        watchPath(key.value(), WatchMode.ZNODE, from);
    }

    private void watchPath(String path, WatchMode mode, long from) {
        long id = nextWatchId++;
        watching.add(id);
        watch.watch(id, path, mode, from);
    }

    static List<LockQueue.Waiter> waiters(List<Znode> znodes) {
        List<LockQueue.Waiter> out = new ArrayList<>(znodes.size());
        for (Znode z : znodes) {
            out.add(LockQueue.waiter(z.path().name(), z.stat().getCreateRevision(), z.data(),
                    z.stat().getEphemeralSessionId()));
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            watching.clear();
        }
        watch.close();
    }
}
