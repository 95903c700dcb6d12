package io.kvstore.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.LockWaiter;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.raft.core.Entry;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.WriteResult;
import io.kvstore.store.ZPath;
import io.kvstore.store.command.Command;
import io.kvstore.watch.WatchHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LockWait against a state machine and watch hub, entry by entry: it watches only the waiter it waits for. */
class LockWaitTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);
    @TempDir
    Path dir;
    private KvStateMachine store;
    private WatchHub hub;
    private ExecutorService executor;
    private final AtomicInteger evaluations = new AtomicInteger();
    private long index;
    private long session;

    @BeforeEach
    void open() {
        store = new KvStateMachine(dir);
        hub = new WatchHub(store, 1, Duration.ofSeconds(1));
        executor = Executors.newSingleThreadExecutor();
        session = ((SessionOpenResponse) ((WriteResult.Success) apply(Command.newBuilder().setOpenSession(
                SessionOpenRequest.newBuilder().setTtlMillis(10_000)).build())).response()).getSessionId();
    }

    @AfterEach
    void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
        hub.close();
        store.close();
    }

    @Test
    void aMutexWaiterWakesOnlyForItsPredecessor() throws Exception {
        CreateResponse first = enqueue("/_locks/m", LockMode.EXCLUSIVE, 1);
        CreateResponse second = enqueue("/_locks/m", LockMode.EXCLUSIVE, 1);
        CreateResponse third = enqueue("/_locks/m", LockMode.EXCLUSIVE, 1);
        LockWait wait = new LockWait(hub, store, counting(), ZPath.parse(third.getPath()),
                third.getStat().getCreateRevision(), session, false);
        CompletableFuture<Boolean> granted = wait.start();
        Awaiting.until(() -> wait.blocker().equals(second.getPath()), AWAIT, () -> "blocker " + wait.blocker());
        assertEquals(1, evaluations.get());

        delete(first.getPath()); // not the one it waits for: no wake-up
        delete(second.getPath()); // its predecessor: one wake-up, and now it holds
        assertTrue(granted.get(20, TimeUnit.SECONDS));
        assertEquals(2, evaluations.get(), "the first waiter's release woke the third waiter (herd)");
        wait.close();
    }

    @Test
    void aReaderWaitsForTheWriterBeforeIt() throws Exception {
        enqueue("/_locks/rw", LockMode.SHARED, 0);
        CreateResponse writer = enqueue("/_locks/rw", LockMode.EXCLUSIVE, 1);
        CreateResponse reader = enqueue("/_locks/rw", LockMode.SHARED, 0);
        LockWait wait = new LockWait(hub, store, counting(), ZPath.parse(reader.getPath()),
                reader.getStat().getCreateRevision(), session, false);
        CompletableFuture<Boolean> granted = wait.start();
        Awaiting.until(() -> wait.blocker().equals(writer.getPath()), AWAIT, () -> "blocker " + wait.blocker());
        delete(writer.getPath());
        assertTrue(granted.get(20, TimeUnit.SECONDS), "readers share once no writer is before them");
        wait.close();
    }

    @Test
    void aTryAnswersAtOnce() throws Exception {
        enqueue("/_locks/t", LockMode.EXCLUSIVE, 1);
        CreateResponse second = enqueue("/_locks/t", LockMode.EXCLUSIVE, 1);
        LockWait wait = new LockWait(hub, store, counting(), ZPath.parse(second.getPath()),
                second.getStat().getCreateRevision(), session, true);
        assertFalse(wait.start().get(20, TimeUnit.SECONDS));
        wait.close();
    }

    /** LockWait runs nothing but evaluations on its executor: counting tasks counts wake-ups. */
    private java.util.concurrent.Executor counting() {
        return task -> executor.execute(() -> {
            evaluations.incrementAndGet();
            task.run();
        });
    }

    private CreateResponse enqueue(String lockPath, LockMode mode, int permits) {
        return (CreateResponse) ((WriteResult.Success) apply(Command.newBuilder().setCreate(
                CreateRequest.newBuilder().setPath(lockPath + "/w-").setSequential(true).setMakeParents(true)
                        .setSessionId(session)
                        .setValue(LockWaiter.newBuilder().setMode(mode).setPermits(permits).build().toByteString()))
                .build())).response();
    }

    private void delete(String path) {
        apply(Command.newBuilder().setDelete(DeleteRequest.newBuilder().setPath(path)).build());
    }

    private WriteResult apply(Command command) {
        index++;
        return store.apply(new Entry(index, 1, Entry.Type.COMMAND, command.toByteString()));
    }
}
