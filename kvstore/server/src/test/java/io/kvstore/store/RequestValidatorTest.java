package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.store.command.Command;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the server rejects before proposing, and what every member rejects again when applying. */
class RequestValidatorTest {

    private static final ByteString MIB = ByteString.copyFrom(new byte[Limits.VALUE_BYTES_MAX]);

    @Test
    void acceptsOrdinaryRequests() {
        assertEquals(Optional.empty(), RequestValidator.validate(CreateRequest.newBuilder().setPath("/a")
                .setValue(MIB).setHeader(RequestHeader.newBuilder().setClientId("c").setSequence(1)).build()));
        assertEquals(Optional.empty(), RequestValidator.validate(PutRequest.newBuilder().setPath("/a")
                .setExpectedVersion(-1).build()));
        assertEquals(Optional.empty(), RequestValidator.validate(GetRequest.newBuilder().setPath("/").build()));
    }

    @Test
    void rejectsEachRule() {
        assertCode(ErrorCode.INVALID_PATH, RequestValidator.validate(PutRequest.newBuilder().setPath("a").build()));
        assertCode(ErrorCode.ROOT_READ_ONLY, RequestValidator.validate(PutRequest.newBuilder().setPath("/").build()));
        assertCode(ErrorCode.ROOT_READ_ONLY,
                RequestValidator.validate(DeleteRequest.newBuilder().setPath("/").setRecursive(true).build()));
        assertCode(ErrorCode.VALUE_TOO_LARGE, RequestValidator.validate(PutRequest.newBuilder().setPath("/a")
                .setValue(MIB.concat(ByteString.copyFromUtf8("x"))).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(PutRequest.newBuilder().setPath("/a")
                .setExpectedVersion(-2).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(PutRequest.newBuilder().setPath("/a")
                .setHeader(RequestHeader.newBuilder().setClientId("c")).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(PutRequest.newBuilder().setPath("/a")
                .setHeader(RequestHeader.newBuilder().setClientId("c".repeat(129)).setSequence(1)).build()));
        assertCode(ErrorCode.TTL_OUT_OF_RANGE,
                RequestValidator.validate(CreateRequest.newBuilder().setPath("/a").setTtlMillis(5).build()));
        assertCode(ErrorCode.TTL_OUT_OF_RANGE,
                RequestValidator.validate(CreateRequest.newBuilder().setPath("/a").setTtlMillis(-1).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(CreateRequest.newBuilder().setPath("/a")
                .setTtlMillis(5_000).setSessionId(7).build()));
        assertCode(ErrorCode.TTL_OUT_OF_RANGE, RequestValidator.validate(
                io.kvstore.api.v1.SessionOpenRequest.newBuilder().setTtlMillis(0).build()));
        assertCode(ErrorCode.TTL_OUT_OF_RANGE, RequestValidator.validate(
                io.kvstore.api.v1.SessionOpenRequest.newBuilder().setTtlMillis(3_600_001).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(
                io.kvstore.api.v1.SessionCloseRequest.newBuilder().build()));
        assertCode(ErrorCode.INVALID_ARGUMENT,
                RequestValidator.validate(ListRequest.newBuilder().setPath("/").setLimit(10_001).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT,
                RequestValidator.validate(ListRequest.newBuilder().setPath("/").setLimit(-1).build()));
    }

    @Test
    void rejectsOversizedRequests() {
        TxnRequest txn = TxnRequest.newBuilder()
                .addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setPath("/a").setValue(MIB)))
                .addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setPath("/b").setValue(MIB)))
                .build();
        assertCode(ErrorCode.REQUEST_TOO_LARGE, RequestValidator.validate(txn));
        assertCode(ErrorCode.REQUEST_TOO_LARGE, RequestValidator.validate(Commands.of(txn)));
    }

    @Test
    void rejectsMalformedTxnParts() {
        Optional<Failure> nestedHeader = RequestValidator.validate(TxnRequest.newBuilder()
                .addSuccess(TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath("/a")))
                .addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setPath("/a")
                        .setHeader(RequestHeader.newBuilder().setClientId("c").setSequence(1))))
                .build());
        assertCode(ErrorCode.INVALID_ARGUMENT, nestedHeader);
        assertEquals(1, nestedHeader.get().opIndex());
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setPath("/a").setOp(Compare.Op.LESS).setExists(true)).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setPath("/a").setVersion(1)).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(TxnRequest.newBuilder()
                .addSuccess(TxnOp.getDefaultInstance()).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, RequestValidator.validate(Command.getDefaultInstance()));
    }

    @Test
    void commandsMoveTheHeaderOutOfTheRequest() {
        Command command = Commands.of(PutRequest.newBuilder().setPath("/a")
                .setHeader(RequestHeader.newBuilder().setClientId("c").setSequence(9)).build());
        assertEquals("c", command.getClientId());
        assertEquals(9, command.getSequence());
        assertFalse(command.getPut().hasHeader());
        assertEquals(Optional.empty(), RequestValidator.validate(command));
    }

    private static void assertCode(ErrorCode expected, Optional<Failure> failure) {
        assertEquals(Optional.of(expected), failure.map(Failure::code), () -> String.valueOf(failure));
    }
}
