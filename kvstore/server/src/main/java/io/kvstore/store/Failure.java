package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import java.util.Objects;

/**
 * An expected failure: a request the store rejected without changing anything. A value, never thrown. Immutable.
 *
 * @param code what went wrong; clients switch on it
 * @param message for humans
 * @param currentVersion for {@link ErrorCode#VERSION_MISMATCH}: the znode's version, 0 when missing; else 0
 * @param opIndex for a failed txn operation: its index in the branch that ran (or was validated); else -1
 */
public record Failure(ErrorCode code, String message, long currentVersion, int opIndex)
        implements WriteResult, ListResult {

    public Failure {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** A failure without version or operation index. */
    public static Failure of(ErrorCode code, String message) {
        return new Failure(code, message, 0, -1);
    }

    /** This failure attributed to txn operation {@code index}. */
    public Failure atOp(int index) {
        return new Failure(code, "txn operation " + index + ": " + message, currentVersion, index);
    }
}
