package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.Fence;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.LockWaiter;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fenced writes in the replicated state: the check runs in the write's own entry, against the lock's waiters. */
class FencingTest {

    @TempDir
    Path dir;
    private KvStateMachine store;
    private long index;
    private long session;

    @BeforeEach
    void open() {
        store = new KvStateMachine(dir);
        session = ((SessionOpenResponse) ((WriteResult.Success) apply(Command.newBuilder().setOpenSession(
                SessionOpenRequest.newBuilder().setTtlMillis(10_000)).build())).response()).getSessionId();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void onlyTheCurrentHolderTokenWrites() {
        long first = enqueue("/_locks/a", LockMode.EXCLUSIVE, 1);
        long second = enqueue("/_locks/a", LockMode.EXCLUSIVE, 1);
        assertTrue(second > first, "tokens grow with the queue");

        assertInstanceOf(WriteResult.Success.class, put("/data", "v1", "/_locks/a", first));
        Failure waiting = assertInstanceOf(Failure.class, put("/data", "v2", "/_locks/a", second));
        assertEquals(ErrorCode.FENCED, waiting.code());
        assertTrue(waiting.message().contains("[" + first + "]"), waiting.message());

        release("/_locks/a", first);
        Failure stale = assertInstanceOf(Failure.class, put("/data", "v3", "/_locks/a", first));
        assertEquals(ErrorCode.FENCED, stale.code(), "the released holder's token is stale");
        assertTrue(stale.message().contains("[" + second + "]"), stale.message());
        assertEquals("v1", store.get(ZPath.parse("/data")).znode().data().toStringUtf8(), "nothing was written");
        assertInstanceOf(WriteResult.Success.class, put("/data", "v4", "/_locks/a", second));
    }

    @Test
    void aTokenOfAnotherLockIsRejected() {
        long a = enqueue("/_locks/a", LockMode.EXCLUSIVE, 1);
        enqueue("/_locks/b", LockMode.EXCLUSIVE, 1);
        Failure f = assertInstanceOf(Failure.class, put("/data", "x", "/_locks/b", a));
        assertEquals(ErrorCode.FENCED, f.code());
        assertTrue(f.message().contains("/_locks/b"), f.message());
        Failure none = assertInstanceOf(Failure.class, put("/data", "x", "/_locks/missing", a));
        assertEquals(ErrorCode.FENCED, none.code());
        assertTrue(none.message().contains("none"), none.message());
    }

    @Test
    void sessionEndFencesItsHolder() {
        long token = enqueue("/_locks/s", LockMode.EXCLUSIVE, 1);
        apply(Command.newBuilder().setCloseSession(SessionCloseRequest.newBuilder().setSessionId(session)).build());
        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, put("/d", "x", "/_locks/s", token)).code());
    }

    @Test
    void fenceCoversCreateDeleteAndTxnAtomically() {
        long stale = enqueue("/_locks/t", LockMode.EXCLUSIVE, 1);
        release("/_locks/t", stale);
        long current = enqueue("/_locks/t", LockMode.EXCLUSIVE, 1);
        Fence old = Fence.newBuilder().setLockPath("/_locks/t").setToken(stale).build();
        Fence now = Fence.newBuilder().setLockPath("/_locks/t").setToken(current).build();
        long revision = store.revision();

        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, apply(Command.newBuilder().setFence(old)
                .setCreate(CreateRequest.newBuilder().setPath("/c")).build())).code());
        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, apply(Command.newBuilder().setFence(old)
                .setTxn(TxnRequest.newBuilder().addSuccess(TxnOp.newBuilder().setCreate(
                        CreateRequest.newBuilder().setPath("/c")))).build())).code());
        assertEquals(revision, store.revision(), "rejected fenced writes change nothing");

        assertInstanceOf(WriteResult.Success.class, apply(Command.newBuilder().setFence(now)
                .setCreate(CreateRequest.newBuilder().setPath("/c")).build()));
        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, apply(Command.newBuilder().setFence(old)
                .setDelete(DeleteRequest.newBuilder().setPath("/c")).build())).code());
        assertTrue(store.get(ZPath.parse("/c")).found());
        assertInstanceOf(WriteResult.Success.class, apply(Command.newBuilder().setFence(now)
                .setDelete(DeleteRequest.newBuilder().setPath("/c")).build()));
        assertFalse(store.get(ZPath.parse("/c")).found());
    }

    @Test
    void sharedHoldersAndSemaphorePermitsAllPass() {
        long r1 = enqueue("/_locks/rw", LockMode.SHARED, 0);
        long r2 = enqueue("/_locks/rw", LockMode.SHARED, 0);
        long w = enqueue("/_locks/rw", LockMode.EXCLUSIVE, 1);
        long r3 = enqueue("/_locks/rw", LockMode.SHARED, 0);
        assertInstanceOf(WriteResult.Success.class, put("/d", "1", "/_locks/rw", r1));
        assertInstanceOf(WriteResult.Success.class, put("/d", "2", "/_locks/rw", r2));
        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, put("/d", "3", "/_locks/rw", w)).code());
        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, put("/d", "4", "/_locks/rw", r3)).code(),
                "a reader behind a queued writer waits (fair)");

        long p1 = enqueue("/_locks/sem", LockMode.EXCLUSIVE, 2);
        long p2 = enqueue("/_locks/sem", LockMode.EXCLUSIVE, 2);
        long p3 = enqueue("/_locks/sem", LockMode.EXCLUSIVE, 2);
        assertInstanceOf(WriteResult.Success.class, put("/d", "5", "/_locks/sem", p1));
        assertInstanceOf(WriteResult.Success.class, put("/d", "6", "/_locks/sem", p2));
        assertEquals(ErrorCode.FENCED, assertInstanceOf(Failure.class, put("/d", "7", "/_locks/sem", p3)).code());
        release("/_locks/sem", p1);
        assertInstanceOf(WriteResult.Success.class, put("/d", "8", "/_locks/sem", p3));
    }

    @Test
    void aRetriedFencedWriteAnswersItsOriginalResult() {
        long token = enqueue("/_locks/r", LockMode.EXCLUSIVE, 1);
        Command write = Command.newBuilder().setClientId("c").setSequence(1)
                .setFence(Fence.newBuilder().setLockPath("/_locks/r").setToken(token))
                .setPut(PutRequest.newBuilder().setPath("/r").setValue(ByteString.copyFromUtf8("x"))).build();
        WriteResult first = apply(write);
        assertInstanceOf(WriteResult.Success.class, first);
        release("/_locks/r", token);
        assertInstanceOf(WriteResult.Success.class, apply(write), "the retry is deduplicated, not re-checked");
        assertEquals(1, store.get(ZPath.parse("/r")).znode().stat().getVersion());
    }

    private long enqueue(String lockPath, LockMode mode, int permits) {
        CreateResponse created = (CreateResponse) ((WriteResult.Success) apply(Command.newBuilder().setCreate(
                CreateRequest.newBuilder().setPath(lockPath + "/" + LockQueue.WAITER_PREFIX).setSequential(true)
                        .setMakeParents(true).setSessionId(session)
                        .setValue(LockWaiter.newBuilder().setMode(mode).setPermits(permits).build().toByteString()))
                .build())).response();
        return created.getStat().getCreateRevision();
    }

    private void release(String lockPath, long token) {
        for (String name : store.list(ZPath.parse(lockPath), "", 0) instanceof ListPage p ? p.names()
                : java.util.List.<String>of()) {
            ZPath path = ZPath.parse(lockPath + "/" + name);
            if (store.get(path).znode().stat().getCreateRevision() == token) {
                assertInstanceOf(WriteResult.Success.class, apply(Command.newBuilder().setDelete(
                        DeleteRequest.newBuilder().setPath(path.value())).build()));
                return;
            }
        }
        throw new AssertionError("no waiter with token " + token);
    }

    private WriteResult put(String path, String value, String lockPath, long token) {
        return apply(Command.newBuilder().setFence(Fence.newBuilder().setLockPath(lockPath).setToken(token))
                .setPut(PutRequest.newBuilder().setPath(path).setValue(ByteString.copyFromUtf8(value))
                        .setMakeParents(true)).build());
    }

    private WriteResult apply(Command command) {
        index++;
        return store.apply(new Entry(index, 1, Entry.Type.COMMAND, command.toByteString()));
    }
}
