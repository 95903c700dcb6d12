package io.kvstore.client;

import java.util.Objects;

/**
 * How to watch. Immutable; start from {@link #DEFAULT} (ZNODE, from the next change, no previous values, no
 * progress notifications) and use the {@code with...} methods.
 *
 * @param mode what the watch covers
 * @param startRevision first revision to report; 0 for "changes after the watch is registered". A past revision
 *     replays every change since, if the cluster still has it in history (else {@link WatchListener#onCompacted})
 * @param prevValue whether UPDATED and DELETED events carry the value before the change
 * @param progressNotify whether the server tells an idle watch the current revision about once a second
 *     ({@link WatchListener#onProgress}); also lets the client notice a stuck stream and reconnect
 */
public record WatchOptions(WatchMode mode, long startRevision, boolean prevValue, boolean progressNotify) {

    /** ZNODE, from now, no previous values, no progress notifications. */
    public static final WatchOptions DEFAULT = new WatchOptions(WatchMode.ZNODE, 0, false, false);

    public WatchOptions {
        Objects.requireNonNull(mode, "mode");
        if (startRevision < 0) {
            throw new IllegalArgumentException("startRevision must be >= 0: " + startRevision);
        }
    }

    public WatchOptions withMode(WatchMode mode) {
        return new WatchOptions(mode, startRevision, prevValue, progressNotify);
    }

    public WatchOptions withStartRevision(long startRevision) {
        return new WatchOptions(mode, startRevision, prevValue, progressNotify);
    }

    public WatchOptions withPrevValue() {
        return new WatchOptions(mode, startRevision, true, progressNotify);
    }

    public WatchOptions withProgressNotify() {
        return new WatchOptions(mode, startRevision, prevValue, true);
    }
}
