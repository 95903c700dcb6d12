package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.History;
import java.util.Objects;

/**
 * The verdict of a checker that needs no richer result type ({@link WatchChecker}, {@link EphemeralChecker}).
 *
 * @param valid the verdict
 * @param explanation the first anomaly for a human, naming operations by process and history index; empty when
 *     TRUE
 * @param counterexample the operations the explanation names, as a history, when FALSE; else null
 * @param details counts for the report
 */
public record Outcome(Validity valid, String explanation, History counterexample, String details) {
    public Outcome {
        Objects.requireNonNull(valid, "valid");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(details, "details");
    }
}
