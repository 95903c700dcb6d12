package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * The znode named by the request does not exist (reason {@link ErrorCode#NOT_FOUND}): thrown by
 * {@link KvClient#get}, a delete of a missing znode, or a txn operation on one. Use {@link KvClient#find} or
 * {@link KvClient#exists} when absence is an expected answer rather than an error. A missing parent on create or
 * put is not this exception but a {@link KvPreconditionException} with reason {@link ErrorCode#PARENT_NOT_FOUND}.

 *
 * <p>From {@link ClusterAdmin}: no member of that name (reason {@link ErrorCode#MEMBER_NOT_FOUND}).
 */
public final class KvNotFoundException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvNotFoundException(String message, int opIndex, Throwable cause) {
        this(message, ErrorCode.NOT_FOUND, opIndex, cause);
    }

    /** As above, with the reason ({@link ErrorCode#NOT_FOUND} or its member form). */
    public KvNotFoundException(String message, ErrorCode reason, int opIndex, Throwable cause) {
        super(message, reason, opIndex, cause);
    }
}
