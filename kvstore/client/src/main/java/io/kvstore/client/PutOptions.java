package io.kvstore.client;

/**
 * Options of a put. Immutable; start from {@link #DEFAULT}, {@link #ifVersion(long)} or {@link #ifAbsent()}.
 *
 * @param expectedVersion {@link #ANY_VERSION} (-1) for an unconditional put; 0 when the znode must not exist; N > 0
 *     when its version must be N. A mismatch throws {@link KvVersionMismatchException}.
 * @param makeParents create missing ancestors (with empty data) instead of failing with
 *     {@link KvPreconditionException} (PARENT_NOT_FOUND)
 */
public record PutOptions(long expectedVersion, boolean makeParents) {
    /** The expected version meaning "whatever it is". */
    public static final long ANY_VERSION = -1;
    /** Unconditional, no parents created. */
    public static final PutOptions DEFAULT = new PutOptions(ANY_VERSION, false);

    public PutOptions {
        if (expectedVersion < ANY_VERSION) {
            throw new IllegalArgumentException("expectedVersion must be >= -1: " + expectedVersion);
        }
    }

    /** A compare-and-set: the znode's version must be {@code version} (0: it must not exist). */
    public static PutOptions ifVersion(long version) {
        return new PutOptions(version, false);
    }

    /** The znode must not exist (expected version 0). */
    public static PutOptions ifAbsent() {
        return new PutOptions(0, false);
    }

    /** These options, also creating missing ancestors. */
    public PutOptions withMakeParents() {
        return new PutOptions(expectedVersion, true);
    }
}
