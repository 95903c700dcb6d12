package io.kvstore.watch;

/** The bounds of the watch service, each with why it is that number. */
final class WatchLimits {

    /** Watches on one stream. A client multiplexes its watches on a few streams; 1,000 bounds what one stream's
     *  registrations cost the apply thread (each live watch is checked per change) and stops a runaway loop. */
    static final int WATCHES_PER_STREAM_MAX = 1_000;
    /** Responses queued for one stream. Past it, live events of that stream's watches are not queued: the watch is
     *  cancelled SLOW_WATCHER (it resumes from history). 4,096 rides out a burst of small writes and GC pauses. */
    static final int STREAM_QUEUE_RESPONSES_MAX = 4_096;
    /** Bytes queued for one stream: 4 MiB, so 250 stalled streams hold at most 1 GiB. One response bigger than
     *  this (a txn with large values) is still accepted into an empty queue, so every revision can be sent. */
    static final long STREAM_QUEUE_BYTES_MAX = 4L << 20;
    /** History records read per catch-up step: small steps keep one catching-up watch from hogging the executor
     *  and let the queue bound throttle catch-up instead of cancelling it. */
    static final int CATCH_UP_RECORDS_STEP = 256;
    /** Bytes of history read per catch-up step (at least one record). */
    static final long CATCH_UP_BYTES_STEP = 1L << 20;
    /** A start revision this far above the member's is refused (INVALID_ARGUMENT): it is a bug (a revision from
     *  another cluster), not a lagging member, which is at most a few thousand revisions behind. */
    static final long START_REVISION_AHEAD_MAX = 1_000_000;

    private WatchLimits() {
    }
}
