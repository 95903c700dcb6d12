package io.kvstore.raft.testing;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.RecoveredLog;
import java.util.ArrayList;
import java.util.List;

/** A {@link LogStore} in memory, for runtime tests that are not about durability. Counts syncs. */
public final class MemoryLogStore implements LogStore {
    private final List<Entry> entries = new ArrayList<>();
    private HardState hardState = HardState.EMPTY;
    private int syncs;
    private boolean closed;

    @Override
    public RecoveredLog recover() {
        return new RecoveredLog(hardState, entries);
    }

    @Override
    public synchronized void append(List<Entry> appended) {
        if (appended.isEmpty()) {
            return;
        }
        int keep = (int) appended.get(0).index() - 1;
        if (keep > entries.size()) {
            throw new IllegalStateException("gap before index " + appended.get(0).index());
        }
        entries.subList(keep, entries.size()).clear();
        entries.addAll(appended);
    }

    @Override
    public synchronized void saveHardState(HardState state) {
        hardState = state;
    }

    @Override
    public synchronized void sync() {
        syncs++;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    public synchronized int syncs() {
        return syncs;
    }

    public synchronized boolean isClosed() {
        return closed;
    }
}
