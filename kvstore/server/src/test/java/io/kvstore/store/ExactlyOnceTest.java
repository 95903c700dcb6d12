package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retries, restarts and re-delivered entries, spelled out; the model test covers them at random. */
class ExactlyOnceTest {

    @TempDir
    Path dir;

    @Test
    void retryAfterRestartReturnsTheOriginalResult() {
        Command put = Command.newBuilder().setClientId("c").setSequence(1)
                .setPut(PutRequest.newBuilder().setPath("/a").setValue(ByteString.copyFromUtf8("1"))).build();
        WriteResult first;
        try (KvStateMachine store = new KvStateMachine(dir)) {
            first = store.apply(entry(1, put));
            assertEquals(1, store.revision());
        }
        try (KvStateMachine store = new KvStateMachine(dir)) {
            assertEquals(1, store.appliedIndex());
            assertNull(store.apply(entry(1, put)), "an applied index is not applied again");
            assertEquals(first, store.apply(entry(2, put)));
            assertEquals(1, store.revision());
            assertEquals(1, store.get(ZPath.parse("/a")).znode().stat().getVersion());
            assertEquals(2, store.appliedIndex());
        }
    }

    @Test
    void failuresAreRememberedToo() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            Command delete = Command.newBuilder().setClientId("c").setSequence(1)
                    .setDelete(DeleteRequest.newBuilder().setPath("/a")).build();
            Failure failure = assertInstanceOf(Failure.class, store.apply(entry(1, delete)));
            assertEquals(ErrorCode.NOT_FOUND, failure.code());
            store.apply(entry(2, Command.newBuilder()
                    .setCreate(CreateRequest.newBuilder().setPath("/a")).build()));
            assertEquals(failure, store.apply(entry(3, delete)), "the retry does not delete the new /a");
            assertEquals(true, store.get(ZPath.parse("/a")).found());
        }
    }

    @Test
    void staleSequenceIsRefused() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            store.apply(entry(1, create("c", 1, "/a")));
            store.apply(entry(2, create("c", 2, "/b")));
            Failure failure = assertInstanceOf(Failure.class, store.apply(entry(3, create("c", 1, "/x"))));
            assertEquals(ErrorCode.STALE_SEQUENCE, failure.code());
            assertEquals(false, store.get(ZPath.parse("/x")).found());
        }
    }

    @Test
    void gapInIndexesStopsTheMember() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            assertThrows(IllegalStateException.class, () -> store.apply(entry(2, create("", 0, "/a"))));
        }
    }

    @Test
    void oversizedSubtreeIsNotDeleted() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            long index = 0;
            store.apply(entry(++index, create("", 0, "/big")));
            int created = 0;
            while (created < Limits.RECURSIVE_DELETE_ZNODES_MAX) {
                TxnRequest.Builder txn = TxnRequest.newBuilder();
                for (int i = 0; i < Limits.TXN_OPS_MAX && created < Limits.RECURSIVE_DELETE_ZNODES_MAX; i++) {
                    txn.addSuccess(TxnOp.newBuilder().setCreate(
                            CreateRequest.newBuilder().setPath("/big/n" + created++)));
                }
                assertInstanceOf(WriteResult.Success.class,
                        store.apply(entry(++index, Command.newBuilder().setTxn(txn).build())));
            }
            Command deleteAll = Command.newBuilder()
                    .setDelete(DeleteRequest.newBuilder().setPath("/big").setRecursive(true)).build();
            Failure failure = assertInstanceOf(Failure.class, store.apply(entry(++index, deleteAll)));
            assertEquals(ErrorCode.SUBTREE_TOO_LARGE, failure.code());
            assertEquals(created, store.get(ZPath.parse("/big")).znode().stat().getNumChildren());

            store.apply(entry(++index, Command.newBuilder()
                    .setDelete(DeleteRequest.newBuilder().setPath("/big/n0")).build()));
            WriteResult.Success done = assertInstanceOf(WriteResult.Success.class,
                    store.apply(entry(++index, deleteAll)));
            assertEquals(Limits.RECURSIVE_DELETE_ZNODES_MAX,
                    ((io.kvstore.api.v1.DeleteResponse) done.response()).getDeleted());
        }
    }

    private static Command create(String client, long sequence, String path) {
        return Command.newBuilder().setClientId(client).setSequence(sequence)
                .setCreate(CreateRequest.newBuilder().setPath(path)).build();
    }

    private static Entry entry(long index, Command command) {
        return new Entry(index, 1, Entry.Type.COMMAND, command.toByteString());
    }
}
