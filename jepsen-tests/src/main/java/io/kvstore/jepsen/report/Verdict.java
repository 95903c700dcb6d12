package io.kvstore.jepsen.report;

import io.kvstore.jepsen.checker.Validity;
import io.kvstore.jepsen.history.History;
import java.util.Objects;

/**
 * One checker's verdict, in the form the report and results.json show.
 *
 * @param checker "linearizable" or "set"
 * @param valid the verdict
 * @param explanation for a human; empty when TRUE
 * @param counterexample the smallest failing sub-history found when FALSE, else null
 * @param details extra counts for the report (for example "412 acknowledged adds, 3 indeterminate present")
 */
public record Verdict(String checker, Validity valid, String explanation, History counterexample, String details) {
    public Verdict {
        Objects.requireNonNull(checker, "checker");
        Objects.requireNonNull(valid, "valid");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(details, "details");
    }
}
