package io.kvstore.raft.core;

import java.util.List;

/**
 * What the core asks its runtime to do, in this order:
 * <ol>
 *   <li>send {@link #messagesBeforePersist()} (a leader's AppendEntries: the leader writes its own log in parallel
 *       with its followers, dissertation §10.2.1);</li>
 *   <li>when {@link #snapshot()} is non-null, record it in the log store ({@code installSnapshot}) together with
 *       the persistence below (one fsync), then restore the state machine from the snapshot the runtime staged for
 *       it before applying anything of this Ready (a crash in between is repaired at start: the log's snapshot
 *       marker is ahead of the state machine, which is restored from the local snapshot);</li>
 *   <li>persist {@link #entriesToPersist()} (an entry at an index already in the log replaces it and everything
 *       after it) and {@link #hardState()} when non-null, then fsync;</li>
 *   <li>send {@link #messagesAfterPersist()} (votes and acknowledgements: they promise durable state);</li>
 *   <li>apply {@link #committedEntries()} to the state machine, in order;</li>
 *   <li>answer each of {@link #readStates()} once the state machine has applied its index;</li>
 *   <li>call {@link RaftCore#advance(Ready)}.</li>
 * </ol>
 * No other call into the core may happen between {@link RaftCore#ready()} and {@link RaftCore#advance(Ready)}.
 */
public record Ready(SnapshotMeta snapshot,
                    HardState hardState,
                    List<Entry> entriesToPersist,
                    List<Message> messagesBeforePersist,
                    List<Message> messagesAfterPersist,
                    List<Entry> committedEntries,
                    List<ReadState> readStates) {
    public Ready {
        entriesToPersist = List.copyOf(entriesToPersist);
        messagesBeforePersist = List.copyOf(messagesBeforePersist);
        messagesAfterPersist = List.copyOf(messagesAfterPersist);
        committedEntries = List.copyOf(committedEntries);
        readStates = List.copyOf(readStates);
    }

    public boolean needsSync() {
        return snapshot != null || hardState != null || !entriesToPersist.isEmpty();
    }
}
