package io.kvstore.auth;

import java.util.concurrent.Semaphore;

/**
 * Bounds the password verifications a member runs at once. A verification costs a few hundred milliseconds of CPU
 * (PBKDF2, {@link PasswordHasher}) and Authenticate needs no credentials, so without a bound anyone could keep every
 * call thread busy hashing and starve reads, write replies and forwarding on that member. Over the bound,
 * Authenticate answers BUSY (RESOURCE_EXHAUSTED), which clients retry with backoff. Thread-safe.
 */
final class PasswordChecks {

    /** Half of the server's four call threads: the other half stays free for everything else. */
    static final int IN_FLIGHT_MAX = 2;

    private final int max;
    private final Semaphore permits;

    PasswordChecks(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one password check must be allowed: " + max);
        }
        this.max = max;
        this.permits = new Semaphore(max);
    }

    int max() {
        return max;
    }

    /** Starts a check if fewer than the bound are running; a started check must be {@link #finish}ed. */
    boolean tryStart() {
        return permits.tryAcquire();
    }

    void finish() {
        permits.release();
    }
}
