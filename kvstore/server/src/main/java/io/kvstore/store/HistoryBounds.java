package io.kvstore.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How much watch history a member keeps (see {@link ChangeHistory}). A watch may start from any revision still in
 * history; older ones are answered COMPACTED.
 *
 * @param revisionsMax revisions kept below the current one (default 100,000: at 1,000 writes/s a client may be away
 *     for over a minute and still resume; records are at most a txn's size, so the bound is also one on bytes)
 * @param age revisions applied longer ago than this are trimmed even under the count (default 1 hour: a client
 *     disconnected longer re-reads anyway). Trimming runs as writes are applied, so an idle store keeps more.
 */
public record HistoryBounds(long revisionsMax, Duration age) {

    /** 100,000 revisions, 1 hour. */
    public static final HistoryBounds DEFAULT = new HistoryBounds(100_000, Duration.ofHours(1));

    public HistoryBounds {
        if (revisionsMax < 1) {
            throw new IllegalArgumentException("revisionsMax must be >= 1: " + revisionsMax);
        }
        Objects.requireNonNull(age, "age");
        if (age.isNegative() || age.isZero()) {
            throw new IllegalArgumentException("age must be positive: " + age);
        }
    }
}
