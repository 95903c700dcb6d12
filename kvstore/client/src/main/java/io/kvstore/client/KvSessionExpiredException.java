package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * The session named by the request is not live (reason {@link ErrorCode#SESSION_EXPIRED}): it expired, was closed,
 * or never existed. Its ephemeral znodes are gone. Open a new session; session ids are never reused.
 */
public final class KvSessionExpiredException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvSessionExpiredException(String message, int opIndex, Throwable cause) {
        super(message, ErrorCode.SESSION_EXPIRED, opIndex, cause);
    }
}
