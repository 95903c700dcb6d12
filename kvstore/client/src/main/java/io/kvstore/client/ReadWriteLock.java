package io.kvstore.client;

/**
 * A fair read-write lock on one name: any number of readers hold together, a writer holds alone, and waiters are
 * served in arrival order (a reader that arrives after a waiting writer waits for it, so writers do not starve).
 * Both sides are {@link DistributedLock} handles on the same waiter queue; obtain from
 * {@link KvClient#readWriteLock}. Each side holds at most one grant. Thread-safe.
 */
public final class ReadWriteLock {

    private final DistributedLock read;
    private final DistributedLock write;

    ReadWriteLock(DistributedLock read, DistributedLock write) {
        this.read = read;
        this.write = write;
    }

    /** The shared side. */
    public DistributedLock readLock() {
        return read;
    }

    /** The exclusive side. */
    public DistributedLock writeLock() {
        return write;
    }
}
