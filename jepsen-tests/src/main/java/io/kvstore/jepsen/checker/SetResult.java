package io.kvstore.jepsen.checker;

import java.util.Objects;
import java.util.SortedSet;

/**
 * The verdict of a {@link SetChecker}.
 *
 * @param valid FALSE when an acknowledged add is missing or an element appeared that was never attempted (or
 *     whose add failed); UNKNOWN when there is no successful final read; else TRUE
 * @param acknowledgedCount adds that completed OK before the final read began (each must be present)
 * @param lost acknowledged adds missing from the final read
 * @param unexpected elements in the final read that no add attempted, or whose add FAILed (definitely not applied)
 * @param indeterminatePresentCount adds with an INFO or missing completion, or still running during the final
 *     read, that are present
 * @param indeterminateAbsentCount the same kind of adds that are absent (allowed)
 * @param explanation a sentence for a human; empty when TRUE
 */
public record SetResult(Validity valid, int acknowledgedCount, SortedSet<Long> lost, SortedSet<Long> unexpected,
                        int indeterminatePresentCount, int indeterminateAbsentCount, String explanation) {
    public SetResult {
        Objects.requireNonNull(valid, "valid");
        lost = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(lost));
        unexpected = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(unexpected));
        Objects.requireNonNull(explanation, "explanation");
    }
}
