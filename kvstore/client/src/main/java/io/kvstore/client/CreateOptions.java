package io.kvstore.client;

/**
 * Options of a create. Immutable.
 *
 * @param makeParents create missing ancestors (with empty data) instead of failing with
 *     {@link KvPreconditionException} (PARENT_NOT_FOUND)
 */
public record CreateOptions(boolean makeParents) {
    /** Fail when the parent is missing. */
    public static final CreateOptions DEFAULT = new CreateOptions(false);
    /** Create missing ancestors. */
    public static final CreateOptions MAKE_PARENTS = new CreateOptions(true);
}
