package io.kvstore.raft.sim;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.RecoveredLog;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStore} in memory that survives "crashes" of the member using it: writes are volatile until
 * {@link #sync()}, and {@link #crash()} discards everything not synced, as a power loss would.
 */
final class MemoryLogStore implements LogStore {
    private final List<Entry> durable = new ArrayList<>();
    private HardState durableHardState = HardState.EMPTY;
    private final List<Entry> volatileEntries = new ArrayList<>();
    private HardState volatileHardState = HardState.EMPTY;
    private boolean dirty;

    @Override
    public RecoveredLog recover() {
        volatileEntries.clear();
        volatileEntries.addAll(durable);
        volatileHardState = durableHardState;
        return new RecoveredLog(durableHardState, durable);
    }

    @Override
    public void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first > volatileEntries.size() + 1L) {
            throw new IllegalStateException("gap: append at " + first + " after " + volatileEntries.size());
        }
        volatileEntries.subList((int) (first - 1), volatileEntries.size()).clear();
        volatileEntries.addAll(entries);
        dirty = true;
    }

    @Override
    public void saveHardState(HardState hardState) {
        volatileHardState = hardState;
        dirty = true;
    }

    @Override
    public void sync() {
        if (dirty) {
            durable.clear();
            durable.addAll(volatileEntries);
            durableHardState = volatileHardState;
            dirty = false;
        }
    }

    /** Loses everything written since the last sync. */
    void crash() {
        volatileEntries.clear();
        volatileEntries.addAll(durable);
        volatileHardState = durableHardState;
        dirty = false;
    }

    @Override
    public void close() {
    }
}
