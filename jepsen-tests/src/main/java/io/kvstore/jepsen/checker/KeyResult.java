package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.History;
import java.util.Objects;

/**
 * The verdict for one key of a register history.
 *
 * @param key the key
 * @param validity the verdict
 * @param callCount operations of this key the search considered (after dropping failed ops, indeterminate reads
 *     and indeterminate writes nobody observed)
 * @param explanation one or more sentences for a human; empty when TRUE
 * @param counterexample when FALSE, a small sub-history of this key that is not linearizable on its own (so
 *     neither is the whole history); otherwise null
 */
public record KeyResult(String key, Validity validity, int callCount, String explanation, History counterexample) {
    public KeyResult {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(explanation, "explanation");
        if ((validity == Validity.FALSE) != (counterexample != null)) {
            throw new IllegalArgumentException("a counterexample comes with FALSE and only then");
        }
    }
}
