package io.kvstore.raft.bench;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.RecoveredLog;
import java.io.IOException;
import java.util.List;

/**
 * Group commit switched off: every appended entry is written and fsynced on its own, as a log without batching
 * would. Only for measuring what group commit gains; the durability contract of {@link LogStore} still holds (an
 * entry is durable when {@link #sync()} returns, and earlier).
 */
final class PerEntrySyncLogStore implements LogStore {
    private final LogStore delegate;

    PerEntrySyncLogStore(LogStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public RecoveredLog recover() throws IOException {
        return delegate.recover();
    }

    @Override
    public void append(List<Entry> entries) throws IOException {
        for (Entry entry : entries) {
            delegate.append(List.of(entry));
            delegate.sync();
        }
    }

    @Override
    public void saveHardState(HardState hardState) throws IOException {
        delegate.saveHardState(hardState);
    }

    @Override
    public void compact(SnapshotMeta snapshot) throws IOException {
        delegate.compact(snapshot);
    }

    @Override
    public void installSnapshot(SnapshotMeta snapshot) throws IOException {
        delegate.installSnapshot(snapshot);
    }

    @Override
    public void sync() throws IOException {
        delegate.sync();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
