package io.kvstore.store;

import io.kvstore.store.command.HistoryRecord;
import java.util.List;

/**
 * A read of the watch history ({@link KvStateMachine#readHistory}).
 *
 * @param records the records found, in revision order (revisions without a record had no events)
 * @param throughRevision the read covered every revision up to this one
 * @param compactedOldest 0, or (when the start revision was trimmed) the oldest revision a watch may start from;
 *     then {@code records} is empty
 */
public record HistoryRead(List<HistoryRecord> records, long throughRevision, long compactedOldest) {
    public HistoryRead {
        records = List.copyOf(records);
    }

    /** Whether the start revision was trimmed. */
    public boolean compacted() {
        return compactedOldest > 0;
    }
}
