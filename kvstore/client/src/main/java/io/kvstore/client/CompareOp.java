package io.kvstore.client;

/** The relation a txn {@link Compare} checks: the znode's target {@code op} the given operand. */
public enum CompareOp {
    EQUAL,
    NOT_EQUAL,
    LESS,
    GREATER
}
