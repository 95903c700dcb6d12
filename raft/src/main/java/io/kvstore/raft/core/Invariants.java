package io.kvstore.raft.core;

/**
 * Always-on checks of the protocol's invariants. Java's {@code assert} is off in production; a broken invariant
 * here means continuing could lose or corrupt committed data, so the member must stop.
 */
final class Invariants {
    private Invariants() {}

    static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException("raft invariant violated: " + String.format(format, args));
        }
    }
}
