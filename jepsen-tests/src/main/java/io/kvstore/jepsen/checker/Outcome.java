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
    /** FALSE, with the calls the explanation names (nulls skipped) as the counterexample, in history order. */
    public static Outcome invalid(String explanation, java.util.List<io.kvstore.jepsen.history.Call> involved) {
        java.util.List<io.kvstore.jepsen.history.Op> ops = new java.util.ArrayList<>();
        for (io.kvstore.jepsen.history.Call c : involved) {
            if (c == null) {
                continue;
            }
            ops.add(c.invoke());
            if (c.completion() != null) {
                ops.add(c.completion());
            }
        }
        ops.sort(java.util.Comparator.comparingLong(io.kvstore.jepsen.history.Op::index));
        return new Outcome(Validity.FALSE, explanation, History.renumbered(ops.stream().distinct().toList()), "");
    }

    public Outcome {
        Objects.requireNonNull(valid, "valid");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(details, "details");
    }
}
