package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * The request can never succeed as sent (gRPC INVALID_ARGUMENT): {@link #reason()} is for example
 * {@link ErrorCode#INVALID_PATH}, {@link ErrorCode#VALUE_TOO_LARGE}, {@link ErrorCode#TOO_MANY_OPS} or
 * {@link ErrorCode#ROOT_READ_ONLY}. A caller's mistake: fix the request, do not retry it. Nothing was written.
 */
public final class KvInvalidArgumentException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvInvalidArgumentException(String message, ErrorCode reason, int opIndex, Throwable cause) {
        super(message, reason, opIndex, cause);
    }
}
