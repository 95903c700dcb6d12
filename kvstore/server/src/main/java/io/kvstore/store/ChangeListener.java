package io.kvstore.store;

import io.kvstore.api.v1.WatchEvent;
import java.util.List;

/**
 * Told of every applied change, on the apply thread, after the change (and its history record) is written. Must
 * not block: implementations hand the events off and return.
 */
public interface ChangeListener {

    /** Ignores everything. */
    ChangeListener NONE = (revision, events) -> { };

    /**
     * The store moved to {@code revision}. {@code events} are all of its events (possibly none: a txn that created
     * and deleted the same znode changes no znode observably). Revisions arrive in order, each once.
     */
    void applied(long revision, List<WatchEvent> events);

    /**
     * The state was replaced (a snapshot was installed) and is now at {@code revision}: changes between the last
     * {@link #applied} revision and this one were not reported one by one and must be read from history.
     */
    default void reset(long revision) {
    }
}
