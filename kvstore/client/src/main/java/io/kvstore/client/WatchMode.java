package io.kvstore.client;

/** What a watch covers; see {@link KvClient#watch}. */
public enum WatchMode {
    /** The znode at the path: created, updated (data written), deleted. */
    ZNODE,
    /** The direct children of the path: created, updated, deleted (not the path itself, not grandchildren). */
    CHILDREN,
    /** The path and every znode below it. */
    SUBTREE
}
