package io.kvstore.watch;

import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.store.ZPath;
import java.util.ArrayList;
import java.util.List;

/**
 * One watch of one stream: its scope, and how far it has been served. State machine:
 * <pre>
 *   CATCHING_UP ──(history read through the hub's published revision, under the hub lock)──► LIVE
 *        │                                                                                   │
 *        └─────────────── cancelled (client, COMPACTED, SLOW_WATCHER, stream end) ◄──────────┘
 * </pre>
 * {@link #nextRevision} is written by the catch-up executor while CATCHING_UP and by the apply thread (under the
 * hub lock) while LIVE, never by both at once.
 */
final class ServerWatch {

    enum State { CATCHING_UP, LIVE, CANCELLED }

    final long id;
    final WatchStream stream;
    private final ZPath path;
    private final WatchMode mode;
    private final String childPrefix;
    final boolean prevValue;
    final boolean progressNotify;
    volatile State state = State.CATCHING_UP;
    /** The lowest revision not yet served. */
    volatile long nextRevision;
    /** Whether a response went out since the last progress tick (hub lock). */
    boolean sentSinceProgress;

    ServerWatch(WatchStream stream, WatchCreateRequest request, long nextRevision) {
        this.id = request.getWatchId();
        this.stream = stream;
        this.path = ZPath.parse(request.getPath());
        this.mode = request.getMode() == WatchMode.WATCH_MODE_UNSPECIFIED ? WatchMode.ZNODE : request.getMode();
        this.childPrefix = path.isRoot() ? "/" : path.value() + "/";
        this.prevValue = request.getPrevValue();
        this.progressNotify = request.getProgressNotify();
        this.nextRevision = nextRevision;
    }

    /** Whether the stream's caller may still have this watch (auth; re-checked at every applied revision). */
    boolean permitted() {
        return stream.access.mayWatch(path.value(), mode);
    }

    /** Whether a change of {@code eventPath} is in scope. */
    boolean matches(String eventPath) {
        return switch (mode) {
            case CHILDREN -> eventPath.startsWith(childPrefix) && eventPath.indexOf('/', childPrefix.length()) < 0
                    && eventPath.length() > childPrefix.length();
            case SUBTREE -> eventPath.equals(path.value()) || eventPath.startsWith(childPrefix);
            default -> eventPath.equals(path.value());
        };
    }

    /**
     * The events of one revision in scope that the stream's caller may read (auth), prev values stripped unless asked
     * for; empty when none.
     */
    List<WatchEvent> select(List<WatchEvent> events) {
        List<WatchEvent> out = new ArrayList<>(0);
        for (WatchEvent e : events) {
            if (matches(e.getPath()) && stream.access.mayRead(e.getPath())) {
                out.add(prevValue ? e : e.toBuilder().clearPrevValue().clearPrevStat().clearPrevValueOmitted()
                        .build());
            }
        }
        return out;
    }
}
