package io.kvstore.raft.core;

import java.util.Objects;

/**
 * What a snapshot stands for: the state machine after applying every entry up to {@code index} (of {@code term}),
 * and the membership in force at that index. The snapshot's data is the state machine's business and travels
 * outside the core.
 */
public record SnapshotMeta(long index, long term, Membership membership) {
    public static final SnapshotMeta NONE = new SnapshotMeta(0, 0, Membership.EMPTY);

    public SnapshotMeta {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("negative snapshot index or term: " + index + ", " + term);
        }
        Objects.requireNonNull(membership, "membership");
    }
}
