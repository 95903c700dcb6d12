package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * The client gave up: every attempt within the retry deadline ({@link KvClient.Builder#retryDeadline}) failed in a
 * retryable way (no member reachable, no leader or quorum, the leader busy, an attempt timed out), or no write lane
 * came free in time, or the client was closed while the call ran. {@link #reason()} is the last attempt's reason
 * when it had one ({@link ErrorCode#NO_QUORUM}, {@link ErrorCode#NOT_LEADER}, ...); the cause is the last failure.
 *
 * <p><b>For a write the outcome is unknown</b>: it may have been applied, or may still be applied later. A new
 * call is a new write (a new sequence), so re-issuing a non-idempotent write after this exception may apply it
 * twice; prefer a compare-and-set (expected version) so a second application fails instead.
 */
public final class KvUnavailableException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvUnavailableException(String message, ErrorCode reason, Throwable cause) {
        super(message, reason, -1, cause);
    }
}
