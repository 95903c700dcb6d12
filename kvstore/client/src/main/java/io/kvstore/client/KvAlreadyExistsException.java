package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * A create named a znode that already exists (reason {@link ErrorCode#ALREADY_EXISTS}). A put with
 * {@link PutOptions#ifAbsent()} reports the same situation as a {@link KvVersionMismatchException} instead,
 * because it is a compare-and-set.

 *
 * <p>From {@link ClusterAdmin}: a member of that name is already in the cluster (reason
 * {@link ErrorCode#MEMBER_EXISTS}).
 */
public final class KvAlreadyExistsException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvAlreadyExistsException(String message, int opIndex, Throwable cause) {
        this(message, ErrorCode.ALREADY_EXISTS, opIndex, cause);
    }

    /** As above, with the reason ({@link ErrorCode#ALREADY_EXISTS} or its member form). */
    public KvAlreadyExistsException(String message, ErrorCode reason, int opIndex, Throwable cause) {
        super(message, reason, opIndex, cause);
    }
}
