package io.kvstore.client;

import io.kvstore.api.ErrorCode;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A kvstore request failed. The base of every exception {@link KvClient} throws (synchronously) or completes its
 * futures with (asynchronously). Unchecked: most callers let it propagate; those who recover catch a subclass.
 *
 * <p>Subclasses cover what callers branch on: {@link KvNotFoundException}, {@link KvAlreadyExistsException},
 * {@link KvVersionMismatchException}, {@link KvPreconditionException}, {@link KvInvalidArgumentException} and
 * {@link KvUnavailableException}. Anything else (an internal server error, an unimplemented feature, a stale
 * page token from {@link KvClient#listPage}, an interrupted wait) is a plain {@code KvException}; switch on
 * {@link #reason()} to tell them apart, never on the message, which is for people.
 *
 * <p>Not errors, and so never thrown: a missing znode from {@link KvClient#find} or {@link KvClient#exists}
 * (an empty Optional), a txn whose compares failed ({@link TxnResult#succeeded()} is false), a get inside a txn of
 * a missing znode. Retryable failures (no leader, not the leader, busy, outcome unknown) are retried inside the
 * client and surface only as {@link KvUnavailableException} once the retry deadline has passed.
 *
 * <p>Immutable and thread-safe. The cause, when present, is the last gRPC failure.
 */
public class KvException extends RuntimeException {
    private final ErrorCode reason;
    private final int opIndex;

    /**
     * @param message for people
     * @param reason the server's machine-readable reason, or null when there is none (a transport failure, or a
     *     reason newer than this client)
     * @param opIndex for a failed txn operation its index in the branch that ran, else -1
     * @param cause the underlying failure, or null
     */
    public KvException(String message, ErrorCode reason, int opIndex, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.opIndex = opIndex;
    }

    /**
     * The server's reason. Empty when the failure carried none: the server could not be reached, the call was
     * interrupted, or the server sent a reason this client does not know.
     */
    public Optional<ErrorCode> reason() {
        return Optional.ofNullable(reason);
    }

    /** For a failed operation of a txn: its index in the branch that ran (0-based); empty otherwise. */
    public OptionalInt opIndex() {
        return opIndex < 0 ? OptionalInt.empty() : OptionalInt.of(opIndex);
    }
}
