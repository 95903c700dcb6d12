package io.kvstore.client;

import java.util.List;

/**
 * The outcome of a {@link Txn}. A false {@code succeeded} is not an error: the failure branch ran.
 *
 * @param succeeded whether every compare held, so the success branch ran
 * @param results one per operation of the branch that ran, in order
 * @param revision the store revision after the txn (or read at, when the branch wrote nothing)
 */
public record TxnResult(boolean succeeded, List<TxnOpResult> results, long revision) {
    public TxnResult {
        results = List.copyOf(results);
    }
}
