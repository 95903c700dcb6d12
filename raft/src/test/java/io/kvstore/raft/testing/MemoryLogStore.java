package io.kvstore.raft.testing;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.RecoveredLog;
import java.util.ArrayList;
import java.util.List;

/** A {@link LogStore} in memory, for runtime tests that are not about durability. Counts syncs. */
public final class MemoryLogStore implements LogStore {
    /** entries.get(i) has index snapshot.index() + 1 + i. */
    private final List<Entry> entries = new ArrayList<>();
    private HardState hardState = HardState.EMPTY;
    private SnapshotMeta snapshot = SnapshotMeta.NONE;
    private int syncs;
    private boolean closed;

    @Override
    public synchronized RecoveredLog recover() {
        return new RecoveredLog(hardState, snapshot, entries);
    }

    @Override
    public synchronized void append(List<Entry> appended) {
        if (appended.isEmpty()) {
            return;
        }
        long first = appended.get(0).index();
        int keep = (int) (first - snapshot.index() - 1);
        if (keep > entries.size() || keep < 0) {
            throw new IllegalArgumentException("append at " + first + " does not continue the log");
        }
        entries.subList(keep, entries.size()).clear();
        entries.addAll(appended);
    }

    @Override
    public synchronized void saveHardState(HardState state) {
        hardState = state;
    }

    @Override
    public synchronized void compact(SnapshotMeta meta) {
        int drop = (int) Math.min(entries.size(), Math.max(0, meta.index() - snapshot.index()));
        entries.subList(0, drop).clear();
        snapshot = meta;
    }

    @Override
    public synchronized void installSnapshot(SnapshotMeta meta) {
        entries.clear();
        snapshot = meta;
    }

    private java.io.IOException syncFailure;

    @Override
    public synchronized void sync() throws java.io.IOException {
        if (syncFailure != null) {
            throw syncFailure;
        }
        syncs++;
    }

    /** Every later sync throws {@code failure}, as a dead disk would. */
    public synchronized void failSyncs(java.io.IOException failure) {
        syncFailure = failure;
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
