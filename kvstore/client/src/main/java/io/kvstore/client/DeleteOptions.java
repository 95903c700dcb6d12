package io.kvstore.client;

/**
 * Options of a delete. Immutable; start from {@link #DEFAULT}, {@link #RECURSIVE} or {@link #ifVersion(long)}.
 *
 * @param expectedVersion {@link PutOptions#ANY_VERSION} (-1) for unconditional, N > 0 when the named znode's
 *     version must be N (checked on that znode only, not its subtree)
 * @param recursive delete the whole subtree; without it a znode with children fails with
 *     {@link KvPreconditionException} (HAS_CHILDREN)
 */
public record DeleteOptions(long expectedVersion, boolean recursive) {
    /** Unconditional, the znode must have no children. */
    public static final DeleteOptions DEFAULT = new DeleteOptions(PutOptions.ANY_VERSION, false);
    /** Unconditional, with the subtree. */
    public static final DeleteOptions RECURSIVE = new DeleteOptions(PutOptions.ANY_VERSION, true);

    public DeleteOptions {
        if (expectedVersion < PutOptions.ANY_VERSION) {
            throw new IllegalArgumentException("expectedVersion must be >= -1: " + expectedVersion);
        }
    }

    /** The znode's version must be {@code version}. */
    public static DeleteOptions ifVersion(long version) {
        return new DeleteOptions(version, false);
    }

    /** These options, deleting the subtree too. */
    public DeleteOptions withRecursive() {
        return new DeleteOptions(expectedVersion, true);
    }
}
