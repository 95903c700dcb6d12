/**
 * Distributed locks and leader election on the replicated tree (docs/server.md, "Locks and elections"). A lock is a
 * directory whose children are sequential ephemeral waiters; {@link io.kvstore.store.LockQueue} is the one rule of
 * who holds, shared with the state machine's fencing check. {@link io.kvstore.lock.LockService} and
 * {@link io.kvstore.lock.ElectionService} write through the leader ({@code StoreWriter}) and wait on the member's own
 * applied state with in-process watches ({@code LockWait}, {@code LeaderObserver}), never by polling.
 */
package io.kvstore.lock;
