package io.kvstore.raft.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline instead of sleeping a guessed time. */
public final class Awaiting {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Awaiting() {}

    /** Polls {@code condition} until true; fails with {@code what} when {@code timeout} passes first. */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not true within " + timeout + ": " + what.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    public static void until(BooleanSupplier condition, Duration timeout) {
        until(condition, timeout, () -> "condition");
    }
}
