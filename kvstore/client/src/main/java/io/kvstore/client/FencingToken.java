package io.kvstore.client;

import java.util.Objects;

/**
 * Proof of a lock grant or a leadership: the lock's directory and the grant's token (the create_revision of the
 * holder's waiter znode, strictly increasing with every grant of an exclusive lock). Pass it to
 * {@link KvClient#fenced} so the store itself rejects writes from a holder that has been superseded, or hand
 * {@link #token()} to an external resource that remembers the highest token it has seen (docs/fencing.md).
 * Immutable.
 *
 * @param lockPath the lock's directory, e.g. {@code /_locks/jobs}
 * @param token the grant's token, > 0
 */
public record FencingToken(String lockPath, long token) {
    public FencingToken {
        Objects.requireNonNull(lockPath, "lockPath");
        if (token <= 0) {
            throw new IllegalArgumentException("token must be > 0: " + token);
        }
    }
}
