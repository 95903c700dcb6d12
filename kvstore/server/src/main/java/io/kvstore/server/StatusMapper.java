package io.kvstore.server;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.raft.NotLeaderException;
import io.kvstore.raft.ProposalDroppedException;
import io.kvstore.raft.ProposalOutcomeUnknownException;
import io.kvstore.raft.RaftBusyException;
import io.kvstore.raft.RaftClosedException;
import io.kvstore.store.Failure;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The one place that turns store outcomes into gRPC statuses. The code follows grpc-java's guidance on what a client
 * should do next: ABORTED means redo the read-modify-write, FAILED_PRECONDITION means change the state first,
 * OUT_OF_RANGE means the listing moved on, INVALID_ARGUMENT means the request can never succeed as sent.
 *
 * <p>Every status carries trailers: {@link #REASON} (the {@link ErrorCode} name, what clients switch on), and where
 * they apply {@link #CURRENT_VERSION}, {@link #OP_INDEX}, {@link ErrorTrailers#LEADER_ID} and
 * {@link ErrorTrailers#LEADER_ADDRESS}. The exceptions are an unexpected server fault (INTERNAL, no reason: a bug or
 * an I/O error, see the server log) and a call whose deadline expired before it started (DEADLINE_EXCEEDED, no
 * reason: nothing was done).
 *
 * <p>Raft outcomes ({@link #ofRaft}) by what the client should do:
 * <pre>
 *   NotLeaderException        UNAVAILABLE        NOT_LEADER       not applied; retry, at the leader named in trailers
 *   RaftBusyException         RESOURCE_EXHAUSTED BUSY             not applied; retry with backoff
 *   ProposalDroppedException  UNAVAILABLE        NO_QUORUM        definitely not applied; retry
 *   ProposalOutcomeUnknown…   UNAVAILABLE        OUTCOME_UNKNOWN  a snapshot covered the entry: may apply; retry with the
 *                                                                 same sequence (exactly-once makes that safe)
 *   RaftClosedException       UNAVAILABLE        OUTCOME_UNKNOWN  (write: may apply; retry with the same sequence)
 *                             UNAVAILABLE        NO_QUORUM        (read)
 *   deadline passed           DEADLINE_EXCEEDED  OUTCOME_UNKNOWN  (write) / NO_QUORUM (read)
 * </pre>
 * Thread-safe, stateless.
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

    /**
     * What a member knows of the leader, for the NOT_LEADER trailers.
     *
     * @param id the leader's member name, or {@code null} when unknown
     * @param clientAddress its published client address, or {@code null} when unknown
     */
    public record Leader(String id, String clientAddress) {
        /** No leader known. */
        public static final Leader UNKNOWN = new Leader(null, null);
    }

    /** Whether a call was a write (its outcome may be unknown) or a read (it has no outcome to lose). */
    public enum CallKind { READ, WRITE }

    /** The gRPC code for {@code code}. Exhaustive: a new ErrorCode does not compile until it is mapped here. */
    public static Status.Code codeOf(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT, INVALID_PATH, VALUE_TOO_LARGE, REQUEST_TOO_LARGE, TOO_MANY_OPS, ROOT_READ_ONLY,
                    INVALID_PAGE_TOKEN, TTL_OUT_OF_RANGE -> Status.Code.INVALID_ARGUMENT;
            case UNIMPLEMENTED -> Status.Code.UNIMPLEMENTED;
            case NOT_FOUND, MEMBER_NOT_FOUND, SESSION_EXPIRED -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS, MEMBER_EXISTS -> Status.Code.ALREADY_EXISTS;
            case NOT_VOTER, LAST_VOTER, LEARNER_BEHIND, TRANSFER_FAILED -> Status.Code.FAILED_PRECONDITION;
            case VERSION_MISMATCH -> Status.Code.ABORTED;
            case PARENT_NOT_FOUND, HAS_CHILDREN, SUBTREE_TOO_LARGE, STALE_SEQUENCE, EPHEMERAL_HAS_NO_CHILDREN ->
                    Status.Code.FAILED_PRECONDITION;
            case TOO_MANY_EPHEMERALS -> Status.Code.RESOURCE_EXHAUSTED;
            case PAGE_TOKEN_STALE, COMPACTED -> Status.Code.OUT_OF_RANGE;
            case INVALID_COMMAND -> Status.Code.INTERNAL;
            case NOT_LEADER, NO_QUORUM, OUTCOME_UNKNOWN, CHANGE_IN_PROGRESS -> Status.Code.UNAVAILABLE;
            case BUSY, SLOW_WATCHER, TOO_MANY_WATCHES -> Status.Code.RESOURCE_EXHAUSTED;
            // locks and elections
            case FENCED, LOCK_NOT_HELD -> Status.Code.FAILED_PRECONDITION;
            case INVALID_LOCK_NAME -> Status.Code.INVALID_ARGUMENT;
            case NO_LEADER -> Status.Code.NOT_FOUND;
            // auth
            case AUTH_REQUIRED, AUTH_FAILED, TOKEN_EXPIRED, TOKEN_INVALID -> Status.Code.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            case AUTH_NOT_ENABLED, ROOT_USER_REQUIRED, ROOT_PROTECTED -> Status.Code.FAILED_PRECONDITION;
            case USER_NOT_FOUND, ROLE_NOT_FOUND, GRANT_NOT_FOUND -> Status.Code.NOT_FOUND;
            case USER_EXISTS, ROLE_EXISTS -> Status.Code.ALREADY_EXISTS;
            case NO_SPACE -> Status.Code.RESOURCE_EXHAUSTED;
            // membership
            case NOT_MEMBER -> Status.Code.UNAVAILABLE;
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

    /** UNAVAILABLE, NOT_LEADER, with the leader's id and address in the trailers where known. */
    public static StatusRuntimeException notLeader(String message, Leader leader) {
        Metadata trailers = trailers(Failure.of(ErrorCode.NOT_LEADER, message));
        if (leader.id() != null) {
            trailers.put(ErrorTrailers.LEADER_ID, leader.id());
        }
        if (leader.clientAddress() != null) {
            trailers.put(ErrorTrailers.LEADER_ADDRESS, leader.clientAddress());
        }
        return toStatus(Failure.of(ErrorCode.NOT_LEADER, message)).asRuntimeException(trailers);
    }

    /** UNAVAILABLE, NO_QUORUM: no leader known, so nothing can be served linearizably or written; retry later. */
    public static StatusRuntimeException noLeader(String memberId) {
        return toException(Failure.of(ErrorCode.NO_QUORUM, "member " + memberId
                + " knows no leader (an election is running or there is no quorum); retry with backoff"));
    }

    /**
     * The status for a failed raft request ({@code propose}, {@code readIndex}) or its deadline; see the table in the
     * class comment. {@code leader} fills the NOT_LEADER trailers (a {@link NotLeaderException}'s own hint wins for
     * the id). Anything else is INTERNAL.
     */
    public static StatusRuntimeException ofRaft(Throwable error, CallKind kind, Leader leader) {
        Throwable e = unwrap(error);
        boolean write = kind == CallKind.WRITE;
        if (e instanceof NotLeaderException notLeader) {
            Leader hint = notLeader.leaderHint() == null || notLeader.leaderHint().equals(leader.id()) ? leader
                    : new Leader(notLeader.leaderHint(), null);
            return notLeader(e.getMessage(), hint);
        }
        if (e instanceof RaftBusyException) {
            return toException(Failure.of(ErrorCode.BUSY, e.getMessage() + "; not applied, retry with backoff"));
        }
        if (e instanceof ProposalDroppedException) {
            return toException(Failure.of(ErrorCode.NO_QUORUM, e.getMessage() + "; not applied, retry"));
        }
        if (e instanceof ProposalOutcomeUnknownException) {
            return toException(Failure.of(ErrorCode.OUTCOME_UNKNOWN, e.getMessage()
                    + "; the write may have been applied: retry with the same client id and sequence"));
        }
        if (e instanceof RaftClosedException) {
            return write
                    ? toException(Failure.of(ErrorCode.OUTCOME_UNKNOWN, e.getMessage()
                            + "; the write may still be applied: retry with the same client id and sequence"))
                    : toException(Failure.of(ErrorCode.NO_QUORUM, e.getMessage() + "; retry on another member"));
        }
        if (e instanceof TimeoutException) {
            return deadlineExceeded(kind);
        }
        return internal(e);
    }

    /**
     * The status for a request forwarded to the leader that failed there or on the way. A status from the leader
     * that carries a reason passes through unchanged. Otherwise the leader could not be reached: a refused
     * connection means the request was not sent (NOT_LEADER, retryable); any other transport failure of a write
     * leaves its outcome unknown (OUTCOME_UNKNOWN); an expired deadline is DEADLINE_EXCEEDED as in {@link #ofRaft}.
     */
    public static StatusRuntimeException ofForwarded(Throwable error, CallKind kind, Leader leader) {
        Status status = Status.fromThrowable(error);
        Metadata trailers = Status.trailersFromThrowable(error);
        if (trailers != null && trailers.get(REASON) != null) {
            return status.asRuntimeException(trailers);
        }
        String message = "leader " + leader.id() + " at " + leader.clientAddress() + " failed: " + status.getCode()
                + (status.getDescription() == null ? "" : " " + status.getDescription());
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> deadlineExceeded(kind);
            case CANCELLED -> status.asRuntimeException();
            case UNAVAILABLE -> kind == CallKind.WRITE && !causedBy(error, ConnectException.class)
                    ? toException(Failure.of(ErrorCode.OUTCOME_UNKNOWN, message
                            + "; the write may have been applied: retry with the same client id and sequence"))
                    : notLeader(message, leader);
            default -> status.asRuntimeException(trailers == null ? new Metadata() : trailers);
        };
    }

    /** DEADLINE_EXCEEDED with OUTCOME_UNKNOWN for a write (it may still apply), NO_QUORUM for a read. */
    public static StatusRuntimeException deadlineExceeded(CallKind kind) {
        Failure failure = kind == CallKind.WRITE
                ? Failure.of(ErrorCode.OUTCOME_UNKNOWN, "the deadline passed before the write was committed; it may "
                        + "still be applied: retry with the same client id and sequence")
                : Failure.of(ErrorCode.NO_QUORUM, "the deadline passed before the leader confirmed the read");
        return Status.DEADLINE_EXCEEDED.withDescription(failure.message()).asRuntimeException(trailers(failure));
    }

    /** INTERNAL without a reason: an unexpected fault on this member (logged there). */
    public static StatusRuntimeException internal(Throwable error) {
        return Status.INTERNAL.withDescription("internal error on the server: " + error.getClass().getSimpleName()
                + "; see the server log").asRuntimeException();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (type.isInstance(e)) {
                return true;
            }
        }
        return false;
    }
}
