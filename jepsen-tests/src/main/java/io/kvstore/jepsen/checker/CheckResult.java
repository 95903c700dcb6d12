package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.History;
import java.util.Map;
import java.util.Objects;

/**
 * The verdict of a linearizability check.
 *
 * @param valid TRUE when every key is linearizable, FALSE when one is not (one failing key is enough, by
 *     P-compositionality), UNKNOWN otherwise
 * @param keys per-key results, in key order
 * @param explanation the first failing key's explanation, or why the verdict is UNKNOWN; empty when TRUE
 * @param counterexample the first failing key's counterexample when FALSE, else null
 * @param elapsedNanos wall time the check took, shrinking included
 */
public record CheckResult(Validity valid, Map<String, KeyResult> keys, String explanation, History counterexample,
                          long elapsedNanos) {
    public CheckResult {
        Objects.requireNonNull(valid, "valid");
        keys = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(keys));
        Objects.requireNonNull(explanation, "explanation");
    }

    @Override
    public String toString() {
        return "CheckResult(" + valid + ", " + keys.size() + " keys, " + elapsedNanos / 1_000_000 + " ms"
                + (explanation.isEmpty() ? "" : ": " + explanation) + ")";
    }
}
