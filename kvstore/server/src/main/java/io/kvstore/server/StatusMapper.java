package io.kvstore.server;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.store.Failure;

/**
 * The one place that turns store outcomes into gRPC statuses. The code follows grpc-java's guidance on what a client
 * should do next: ABORTED means redo the read-modify-write, FAILED_PRECONDITION means change the state first,
 * OUT_OF_RANGE means the listing moved on, INVALID_ARGUMENT means the request can never succeed as sent.
 *
 * <p>Every status carries trailers: {@link #REASON} (the {@link ErrorCode} name, what clients switch on), and where
 * they apply {@link #CURRENT_VERSION} and {@link #OP_INDEX}. Thread-safe, stateless.
 */
public final class StatusMapper {

    /** See {@link ErrorTrailers#REASON}. */
    public static final Metadata.Key<String> REASON = ErrorTrailers.REASON;
    /** See {@link ErrorTrailers#CURRENT_VERSION}. */
    public static final Metadata.Key<String> CURRENT_VERSION = ErrorTrailers.CURRENT_VERSION;
    /** See {@link ErrorTrailers#OP_INDEX}. */
    public static final Metadata.Key<String> OP_INDEX = ErrorTrailers.OP_INDEX;

    private StatusMapper() {
    }

    /** The gRPC code for {@code code}. Exhaustive: a new ErrorCode does not compile until it is mapped here. */
    public static Status.Code codeOf(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT, INVALID_PATH, VALUE_TOO_LARGE, REQUEST_TOO_LARGE, TOO_MANY_OPS, ROOT_READ_ONLY,
                    INVALID_PAGE_TOKEN -> Status.Code.INVALID_ARGUMENT;
            case UNIMPLEMENTED -> Status.Code.UNIMPLEMENTED;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case VERSION_MISMATCH -> Status.Code.ABORTED;
            case PARENT_NOT_FOUND, HAS_CHILDREN, SUBTREE_TOO_LARGE, STALE_SEQUENCE -> Status.Code.FAILED_PRECONDITION;
            case PAGE_TOKEN_STALE -> Status.Code.OUT_OF_RANGE;
            case INVALID_COMMAND -> Status.Code.INTERNAL;
            case NOT_LEADER, NO_QUORUM, OUTCOME_UNKNOWN -> Status.Code.UNAVAILABLE;
            case BUSY -> Status.Code.RESOURCE_EXHAUSTED;
        };
    }

    /** The status for {@code failure}, with its message as description. */
    public static Status toStatus(Failure failure) {
        return Status.fromCode(codeOf(failure.code())).withDescription(failure.message());
    }

    /** The trailers for {@code failure}. */
    public static Metadata trailers(Failure failure) {
        Metadata trailers = new Metadata();
        trailers.put(REASON, failure.code().name());
        if (failure.code() == ErrorCode.VERSION_MISMATCH) {
            trailers.put(CURRENT_VERSION, Long.toString(failure.currentVersion()));
        }
        if (failure.opIndex() >= 0) {
            trailers.put(OP_INDEX, Integer.toString(failure.opIndex()));
        }
        return trailers;
    }

    /** What a gRPC service hands to {@code StreamObserver.onError} for {@code failure}. */
    public static StatusRuntimeException toException(Failure failure) {
        return toStatus(failure).asRuntimeException(trailers(failure));
    }
}
