package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * A compare-and-set lost: the znode's version was not the expected one (reason {@link ErrorCode#VERSION_MISMATCH},
 * gRPC ABORTED). The usual answer is to read again and redo the read-modify-write; see docs/client.md for a loop.
 * Nothing was written.
 */
public final class KvVersionMismatchException extends KvException {
    private final long currentVersion;

    /**
     * @param currentVersion the version the znode had when the write was refused (0 when it did not exist), or -1
     *     when the server did not say
     */
    public KvVersionMismatchException(String message, long currentVersion, int opIndex, Throwable cause) {
        super(message, ErrorCode.VERSION_MISMATCH, opIndex, cause);
        this.currentVersion = currentVersion;
    }

    /** The znode's version when the write was refused: 0 when it did not exist, -1 when the server did not say. */
    public long currentVersion() {
        return currentVersion;
    }
}
