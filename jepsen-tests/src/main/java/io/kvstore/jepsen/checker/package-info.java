/**
 * Checkers that judge a recorded {@link io.kvstore.jepsen.history.History}.
 *
 * <p>{@link io.kvstore.jepsen.checker.LinearizabilityChecker} decides whether per-key registers (read, write,
 * compare-and-set) behaved as one copy would, with the Wing &amp; Gong search, Lowe's memoization and Porcupine's
 * per-key split; {@link io.kvstore.jepsen.checker.SetChecker} checks that acknowledged adds survive. Every verdict
 * is a {@link io.kvstore.jepsen.checker.Validity}: TRUE and FALSE are proofs, UNKNOWN means the checker ran out of
 * time or data; a timeout is never reported as TRUE.
 */
package io.kvstore.jepsen.checker;
