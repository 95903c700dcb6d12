package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import java.util.List;

/**
 * What a {@link LogStore} found on disk: the last durable hard state and the entries, consecutive from index 1
 * (compaction, which will start the list later, comes with snapshots).
 */
public record RecoveredLog(HardState hardState, List<Entry> entries) {
    public RecoveredLog {
        entries = List.copyOf(entries);
    }
}
