package io.kvstore.auth;

import com.google.protobuf.ByteString;
import io.kvstore.store.command.PasswordHash;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted, deliberately slow password hashes: PBKDF2-HMAC-SHA256 from the JDK, a 16-byte random salt per hash and a
 * 32-byte result. The iteration count is stored in each hash, so it can be raised later without invalidating stored
 * passwords. Computed by the member that receives a clear password, before anything is proposed: the raft log and the
 * snapshots only ever hold the hash. Thread-safe.
 */
public final class PasswordHasher {

    /**
     * OWASP's 2021 recommendation for PBKDF2-HMAC-SHA256 (310,000): a few hundred milliseconds of one core per hash,
     * paid at user add, password change and Authenticate (once per token lifetime per client), and by an attacker per
     * guess. Lower only in tests.
     */
    public static final int ITERATIONS_DEFAULT = 310_000;
    /** Bounds the validator accepts from the log: a hash costs at most this much on every verification. */
    public static final int ITERATIONS_MAX = 10_000_000;
    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 32;
    /** Passwords longer than this are refused: PBKDF2 work grows with the password in HMAC key setup. */
    public static final int PASSWORD_BYTES_MAX = 1024;

    private final int iterations;
    private final SecureRandom random = new SecureRandom();

    /** @param iterations PBKDF2 iterations for new hashes, in [1, {@link #ITERATIONS_MAX}] */
    public PasswordHasher(int iterations) {
        if (iterations < 1 || iterations > ITERATIONS_MAX) {
            throw new IllegalArgumentException("iterations must be in [1, " + ITERATIONS_MAX + "]: " + iterations);
        }
        this.iterations = iterations;
    }

    /** A new salted hash of {@code password}. */
    public PasswordHash hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return PasswordHash.newBuilder().setSalt(ByteString.copyFrom(salt)).setIterations(iterations)
                .setHash(ByteString.copyFrom(derive(password, salt, iterations))).build();
    }

    /** Whether {@code password} matches {@code stored}; compares in constant time. */
    public static boolean verify(String password, PasswordHash stored) {
        if (stored.getIterations() < 1 || stored.getIterations() > ITERATIONS_MAX) {
            return false;
        }
        byte[] derived = derive(password, stored.getSalt().toByteArray(), stored.getIterations());
        return MessageDigest.isEqual(derived, stored.getHash().toByteArray());
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            // Every Java 17 runtime ships PBKDF2WithHmacSHA256: its absence is a broken installation.
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }
}
