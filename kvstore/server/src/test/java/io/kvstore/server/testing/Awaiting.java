package io.kvstore.server.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline instead of sleeping a guessed time (as raft's test helper does). */
public final class Awaiting {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Awaiting() {
    }

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

    /** Calls {@code attempt} until it returns without throwing; rethrows the last failure at the deadline. */
    public static <T> T succeeds(Supplier<T> attempt, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return attempt.get();
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("did not succeed within " + timeout, e);
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }
}
