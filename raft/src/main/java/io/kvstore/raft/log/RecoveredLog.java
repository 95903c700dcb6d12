package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import java.util.List;

/**
 * What a {@link LogStore} found on disk: the last durable hard state, the last durable snapshot marker
 * ({@link SnapshotMeta#NONE} when the log was never compacted) and the entries after it, consecutive from
 * {@code snapshot.index() + 1}.
 */
public record RecoveredLog(HardState hardState, SnapshotMeta snapshot, List<Entry> entries) {
    public RecoveredLog {
        entries = List.copyOf(entries);
    }

    /** A log that was never compacted. */
    public RecoveredLog(HardState hardState, List<Entry> entries) {
        this(hardState, SnapshotMeta.NONE, entries);
    }
}
