package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Txn semantics: compares choose the branch, operations see earlier ones, one failure applies nothing. */
class TxnTest {

    @TempDir
    Path dir;

    private KvStateMachine store;
    private long index;

    @BeforeEach
    void open() {
        store = new KvStateMachine(dir.resolve("state"));
        apply(Command.newBuilder().setCreate(create("/a", "1")).build());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void failingOperationAppliesNothing() {
        long revision = store.revision();
        WriteResult result = apply(txn(TxnRequest.newBuilder()
                .addSuccess(op(create("/b", "x")))
                .addSuccess(op(PutRequest.newBuilder().setPath("/a").setValue(ByteString.copyFromUtf8("2"))
                        .build()))
                .addSuccess(op(create("/a", "again")))));
        Failure failure = assertInstanceOf(Failure.class, result);
        assertEquals(ErrorCode.ALREADY_EXISTS, failure.code());
        assertEquals(2, failure.opIndex());
        assertEquals(revision, store.revision());
        assertFalse(store.get(ZPath.parse("/b")).found());
        assertEquals("1", store.get(ZPath.parse("/a")).znode().data().toStringUtf8());
        assertEquals(1, store.get(ZPath.parse("/a")).znode().stat().getVersion());
        assertEquals(1, store.get(ZPath.ROOT).znode().stat().getNumChildren());
    }

    @Test
    void versionMismatchInsideTxnAppliesNothing() {
        WriteResult result = apply(txn(TxnRequest.newBuilder()
                .addSuccess(op(DeleteRequest.newBuilder().setPath("/a").build()))
                .addSuccess(op(PutRequest.newBuilder().setPath("/c").setExpectedVersion(5).build()))));
        Failure failure = assertInstanceOf(Failure.class, result);
        assertEquals(ErrorCode.VERSION_MISMATCH, failure.code());
        assertEquals(0, failure.currentVersion());
        assertEquals(1, failure.opIndex());
        assertTrue(store.get(ZPath.parse("/a")).found());
    }

    @Test
    void successfulTxnIsOneRevisionAndOpsSeeEarlierOps() {
        long revision = store.revision();
        WriteResult result = apply(txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setPath("/a").setOp(Compare.Op.EQUAL).setVersion(1))
                .addSuccess(op(create("/a/x", "x")))
                .addSuccess(op(PutRequest.newBuilder().setPath("/a/x").setValue(ByteString.copyFromUtf8("y"))
                        .setExpectedVersion(1).build()))
                .addSuccess(TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath("/a/x")).build())
                .addSuccess(TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath("/missing")).build())));
        WriteResult.Success success = assertInstanceOf(WriteResult.Success.class, result);
        TxnResponse response = (TxnResponse) success.response();
        assertTrue(response.getSucceeded());
        assertEquals(revision + 1, success.revision());
        assertEquals(revision + 1, store.revision());
        assertEquals("y", response.getResults(2).getGet().getValue().toStringUtf8());
        assertEquals(2, response.getResults(2).getGet().getStat().getVersion());
        assertFalse(response.getResults(3).getGet().hasStat());
        assertEquals(1, store.get(ZPath.parse("/a")).znode().stat().getNumChildren());
    }

    @Test
    void failedCompareRunsTheFailureBranch() {
        WriteResult result = apply(txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setPath("/a").setOp(Compare.Op.EQUAL)
                        .setValue(ByteString.copyFromUtf8("other")))
                .addSuccess(op(create("/s", "")))
                .addFailure(op(create("/f", "")))));
        TxnResponse response = (TxnResponse) ((WriteResult.Success) result).response();
        assertFalse(response.getSucceeded());
        assertTrue(store.get(ZPath.parse("/f")).found());
        assertFalse(store.get(ZPath.parse("/s")).found());
    }

    @Test
    void readOnlyBranchKeepsTheRevision() {
        long revision = store.revision();
        WriteResult result = apply(txn(TxnRequest.newBuilder()
                .addSuccess(TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath("/a")).build())));
        assertEquals(revision, ((WriteResult.Success) result).revision());
        assertEquals(revision, store.revision());
    }

    @Test
    void tooManyOperationsIsRejected() {
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i <= Limits.TXN_OPS_MAX; i++) {
            txn.addSuccess(op(create("/n" + i, "")));
        }
        Failure failure = assertInstanceOf(Failure.class, apply(txn(txn)));
        assertEquals(ErrorCode.TOO_MANY_OPS, failure.code());
        assertFalse(store.get(ZPath.parse("/n0")).found());
    }

    private WriteResult apply(Command command) {
        index++;
        return store.apply(new Entry(index, 1, Entry.Type.COMMAND, command.toByteString()));
    }

    private static Command txn(TxnRequest.Builder txn) {
        return Command.newBuilder().setTxn(txn).build();
    }

    private static CreateRequest create(String path, String value) {
        return CreateRequest.newBuilder().setPath(path).setValue(ByteString.copyFromUtf8(value)).build();
    }

    private static TxnOp op(CreateRequest r) {
        return TxnOp.newBuilder().setCreate(r).build();
    }

    private static TxnOp op(PutRequest r) {
        return TxnOp.newBuilder().setPut(r).build();
    }

    private static TxnOp op(DeleteRequest r) {
        return TxnOp.newBuilder().setDelete(r).build();
    }
}
