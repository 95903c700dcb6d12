package io.kvstore.client;

import java.util.Objects;
import java.util.Optional;

/** The result of one {@link TxnOp}, one variant per {@link TxnOp.Kind}. Immutable. */
public sealed interface TxnOpResult {
    /** A create's result: the created path and its stat. */
    record Created(String path, ZnodeStat stat) implements TxnOpResult {
    }

    /** A put's result: the znode's stat after the put and whether it created the znode. */
    record Put(ZnodeStat stat, boolean created) implements TxnOpResult {
    }

    /** A delete's result: how many znodes it removed. */
    record Deleted(long deletedCount) implements TxnOpResult {
    }

    /** A get's result: the znode, or empty when it did not exist (not a failure inside a txn). */
    record Got(Optional<Znode> znode) implements TxnOpResult {
        public Got {
            Objects.requireNonNull(znode, "znode");
        }
    }
}
