package io.kvstore.client;

import java.util.ArrayList;
import java.util.List;

/**
 * A transaction: if every {@link Compare} holds, the success operations run, else the failure operations; all or
 * nothing, as one store revision. At most 128 compares plus operations in total (the server's limit).
 *
 * <pre>{@code
 * Txn txn = Txn.builder()
 *         .when(Compare.version("/app/leader", CompareOp.EQUAL, 3))
 *         .then(TxnOp.put("/app/leader", me))
 *         .otherwise(TxnOp.get("/app/leader"))
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; the builder is not thread-safe.
 */
public final class Txn {
    private final List<Compare> compares;
    private final List<TxnOp> success;
    private final List<TxnOp> failure;

    private Txn(Builder b) {
        this.compares = List.copyOf(b.compares);
        this.success = List.copyOf(b.success);
        this.failure = List.copyOf(b.failure);
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The conditions, all of which must hold for the success branch to run. */
    public List<Compare> compares() {
        return compares;
    }

    /** The operations run when every compare holds. */
    public List<TxnOp> success() {
        return success;
    }

    /** The operations run otherwise. */
    public List<TxnOp> failure() {
        return failure;
    }

    @Override
    public String toString() {
        return "Txn[when=" + compares + ", then=" + success + ", otherwise=" + failure + "]";
    }

    /** Collects compares and operations in order. Not thread-safe. */
    public static final class Builder {
        private final List<Compare> compares = new ArrayList<>();
        private final List<TxnOp> success = new ArrayList<>();
        private final List<TxnOp> failure = new ArrayList<>();

        private Builder() {
        }

        /** Adds conditions. */
        public Builder when(Compare... compares) {
            this.compares.addAll(List.of(compares));
            return this;
        }

        /** Adds operations to the success branch. */
        public Builder then(TxnOp... ops) {
            this.success.addAll(List.of(ops));
            return this;
        }

        /** Adds operations to the failure branch. */
        public Builder otherwise(TxnOp... ops) {
            this.failure.addAll(List.of(ops));
            return this;
        }

        /** The transaction. */
        public Txn build() {
            return new Txn(this);
        }
    }
}
