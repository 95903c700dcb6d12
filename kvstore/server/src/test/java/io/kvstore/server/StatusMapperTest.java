package io.kvstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.store.Failure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One row per {@link ErrorCode}: its gRPC code and the reason in the trailers. */
class StatusMapperTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "INVALID_ARGUMENT, INVALID_ARGUMENT",
        "INVALID_PATH, INVALID_ARGUMENT",
        "VALUE_TOO_LARGE, INVALID_ARGUMENT",
        "REQUEST_TOO_LARGE, INVALID_ARGUMENT",
        "TOO_MANY_OPS, INVALID_ARGUMENT",
        "ROOT_READ_ONLY, INVALID_ARGUMENT",
        "INVALID_PAGE_TOKEN, INVALID_ARGUMENT",
        "UNIMPLEMENTED, UNIMPLEMENTED",
        "NOT_FOUND, NOT_FOUND",
        "PARENT_NOT_FOUND, FAILED_PRECONDITION",
        "ALREADY_EXISTS, ALREADY_EXISTS",
        "VERSION_MISMATCH, ABORTED",
        "HAS_CHILDREN, FAILED_PRECONDITION",
        "SUBTREE_TOO_LARGE, FAILED_PRECONDITION",
        "STALE_SEQUENCE, FAILED_PRECONDITION",
        "PAGE_TOKEN_STALE, OUT_OF_RANGE",
        "INVALID_COMMAND, INTERNAL",
        "NOT_LEADER, UNAVAILABLE",
        "NO_QUORUM, UNAVAILABLE",
        "OUTCOME_UNKNOWN, UNAVAILABLE",
        "BUSY, RESOURCE_EXHAUSTED",
        "MEMBER_NOT_FOUND, NOT_FOUND",
        "MEMBER_EXISTS, ALREADY_EXISTS",
        "NOT_VOTER, FAILED_PRECONDITION",
        "LAST_VOTER, FAILED_PRECONDITION",
        "LEARNER_BEHIND, FAILED_PRECONDITION",
        "TRANSFER_FAILED, FAILED_PRECONDITION",
        "CHANGE_IN_PROGRESS, UNAVAILABLE",
        "SESSION_EXPIRED, NOT_FOUND",
        "EPHEMERAL_HAS_NO_CHILDREN, FAILED_PRECONDITION",
        "TTL_OUT_OF_RANGE, INVALID_ARGUMENT",
        "TOO_MANY_EPHEMERALS, RESOURCE_EXHAUSTED",
        "COMPACTED, OUT_OF_RANGE",
        "SLOW_WATCHER, RESOURCE_EXHAUSTED",
        "TOO_MANY_WATCHES, RESOURCE_EXHAUSTED",
        "FENCED, FAILED_PRECONDITION",
        "LOCK_NOT_HELD, FAILED_PRECONDITION",
        "INVALID_LOCK_NAME, INVALID_ARGUMENT",
        "NO_LEADER, NOT_FOUND",
        // auth
        "AUTH_REQUIRED, UNAUTHENTICATED",
        "AUTH_FAILED, UNAUTHENTICATED",
        "TOKEN_EXPIRED, UNAUTHENTICATED",
        "TOKEN_INVALID, UNAUTHENTICATED",
        "PERMISSION_DENIED, PERMISSION_DENIED",
        "AUTH_NOT_ENABLED, FAILED_PRECONDITION",
        "ROOT_USER_REQUIRED, FAILED_PRECONDITION",
        "ROOT_PROTECTED, FAILED_PRECONDITION",
        "USER_NOT_FOUND, NOT_FOUND",
        "USER_EXISTS, ALREADY_EXISTS",
        "ROLE_NOT_FOUND, NOT_FOUND",
        "ROLE_EXISTS, ALREADY_EXISTS",
        "GRANT_NOT_FOUND, NOT_FOUND",
        "NO_SPACE, RESOURCE_EXHAUSTED",
        "NOT_MEMBER, UNAVAILABLE",
    })
    void mapsEachCode(ErrorCode code, Status.Code expected) {
        StatusRuntimeException e = StatusMapper.toException(Failure.of(code, "why"));
        assertEquals(expected, e.getStatus().getCode());
        assertEquals("why", e.getStatus().getDescription());
        assertEquals(code.name(), e.getTrailers().get(StatusMapper.REASON));
        assertNull(e.getTrailers().get(StatusMapper.OP_INDEX));
    }

    /** Guards the table above: the switch in StatusMapper is exhaustive, and the table has one row per code. */
    @Test
    void tableHasARowPerCode() {
        assertEquals(54, ErrorCode.values().length, "add a row to mapsEachCode for the new code, then update 54");
    }

    @Test
    void versionMismatchCarriesTheCurrentVersion() {
        Metadata trailers = StatusMapper.trailers(new Failure(ErrorCode.VERSION_MISMATCH, "m", 7, -1));
        assertEquals("7", trailers.get(StatusMapper.CURRENT_VERSION));
        assertEquals("VERSION_MISMATCH", trailers.get(StatusMapper.REASON));
    }

    @Test
    void txnFailureCarriesTheOperationIndex() {
        Metadata trailers = StatusMapper.trailers(Failure.of(ErrorCode.ALREADY_EXISTS, "m").atOp(3));
        assertEquals("3", trailers.get(StatusMapper.OP_INDEX));
        assertNull(trailers.get(StatusMapper.CURRENT_VERSION));
    }
}
