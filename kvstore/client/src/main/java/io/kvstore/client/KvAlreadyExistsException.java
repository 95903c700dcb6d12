package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * A create named a znode that already exists (reason {@link ErrorCode#ALREADY_EXISTS}). A put with
 * {@link PutOptions#ifAbsent()} reports the same situation as a {@link KvVersionMismatchException} instead,
 * because it is a compare-and-set.
 */
public final class KvAlreadyExistsException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvAlreadyExistsException(String message, int opIndex, Throwable cause) {
        super(message, ErrorCode.ALREADY_EXISTS, opIndex, cause);
    }
}
