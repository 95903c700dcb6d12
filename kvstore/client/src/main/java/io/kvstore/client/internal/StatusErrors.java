package io.kvstore.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.client.KvAlreadyExistsException;
import io.kvstore.client.KvException;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.KvPreconditionException;
import io.kvstore.client.KvSessionExpiredException;
import io.kvstore.client.KvVersionMismatchException;

/**
 * The one place that turns a failed gRPC call into the client's exceptions, and decides which failures the client
 * retries. Switches on the reason trailer ({@link ErrorTrailers#REASON}) first and on the status code only when
 * there is no reason; never on message text. Stateless.
 */
public final class StatusErrors {
    private StatusErrors() {
    }

    /**
     * Whether another attempt may succeed: the member is unreachable or not the leader, there is no quorum, the
     * outcome is unknown (UNAVAILABLE or DEADLINE_EXCEEDED), or the leader is busy (RESOURCE_EXHAUSTED with reason
     * BUSY; other RESOURCE_EXHAUSTED, such as a message over gRPC's size limit, would fail again).
     */
    public static boolean isRetryable(Throwable failure) {
        Status.Code code = Status.fromThrowable(failure).getCode();
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED -> true;
            case RESOURCE_EXHAUSTED -> ErrorTrailers.reason(failure).orElse(null) == ErrorCode.BUSY;
            default -> false;
        };
    }

    /** The leader's client address named by a NOT_LEADER failure, or null. */
    public static String leaderAddress(Throwable failure) {
        Metadata trailers = Status.trailersFromThrowable(failure);
        String address = trailers == null ? null : trailers.get(ErrorTrailers.LEADER_ADDRESS);
        return address == null || address.isBlank() ? null : address.trim();
    }

    /** The exception for a failure that will not be retried. */
    public static KvException toException(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        Metadata trailers = Status.trailersFromThrowable(failure);
        ErrorCode reason = ErrorTrailers.reason(trailers).orElse(null);
        int opIndex = (int) number(trailers, ErrorTrailers.OP_INDEX);
        String message = describe(status, reason);
        if (reason == null) {
            reason = fallbackReason(status.getCode());
        }
        if (reason == null) {
            return new KvException(message, null, opIndex, failure);
        }
        return switch (reason) {
            case NOT_FOUND, MEMBER_NOT_FOUND, NO_LEADER, USER_NOT_FOUND, ROLE_NOT_FOUND, GRANT_NOT_FOUND ->
                    new KvNotFoundException(message, reason, opIndex, failure);
            case ALREADY_EXISTS, MEMBER_EXISTS, USER_EXISTS, ROLE_EXISTS ->
                    new KvAlreadyExistsException(message, reason, opIndex, failure);
            case ROOT_USER_REQUIRED, ROOT_PROTECTED, AUTH_NOT_ENABLED ->
                    new KvPreconditionException(message, reason, opIndex, failure);
            case VERSION_MISMATCH -> new KvVersionMismatchException(message,
                    number(trailers, ErrorTrailers.CURRENT_VERSION), opIndex, failure);
            case SESSION_EXPIRED -> new KvSessionExpiredException(message, opIndex, failure);
            case PARENT_NOT_FOUND, HAS_CHILDREN, SUBTREE_TOO_LARGE, STALE_SEQUENCE, NOT_VOTER, LAST_VOTER,
                    LEARNER_BEHIND, TRANSFER_FAILED, EPHEMERAL_HAS_NO_CHILDREN, FENCED, LOCK_NOT_HELD ->
                    new KvPreconditionException(message, reason, opIndex, failure);
            case INVALID_ARGUMENT, INVALID_PATH, VALUE_TOO_LARGE, REQUEST_TOO_LARGE, TOO_MANY_OPS, ROOT_READ_ONLY,
                    INVALID_PAGE_TOKEN, TTL_OUT_OF_RANGE, INVALID_LOCK_NAME -> new KvInvalidArgumentException(message, reason, opIndex, failure);
            default -> new KvException(message, reason, opIndex, failure);
        };
    }

    /** "REASON: description" or "STATUS_CODE: description", one line for people. */
    public static String describe(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        return describe(status, ErrorTrailers.reason(failure).orElse(null));
    }

    private static String describe(Status status, ErrorCode reason) {
        String what = reason != null ? reason.name() : status.getCode().name();
        return status.getDescription() == null ? what : what + ": " + status.getDescription();
    }

    /**
     * For a status without a reason trailer (a proxy, or a server older than the trailer): the reason its code
     * can only mean. NOT_FOUND and ALREADY_EXISTS are unambiguous; other codes cover several reasons.
     */
    private static ErrorCode fallbackReason(Status.Code code) {
        return switch (code) {
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case ALREADY_EXISTS -> ErrorCode.ALREADY_EXISTS;
            case INVALID_ARGUMENT -> ErrorCode.INVALID_ARGUMENT;
            default -> null;
        };
    }

    private static long number(Metadata trailers, Metadata.Key<String> key) {
        String text = trailers == null ? null : trailers.get(key);
        if (text == null) {
            return -1;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException malformed) {
            return -1;
        }
    }
}
