package io.kvstore.jepsen.checker;

/** A checker's verdict. */
public enum Validity {
    /** Proven correct: a witness (for linearizability, a legal order) was found. */
    TRUE,
    /** Proven wrong: the result carries a counterexample. */
    FALSE,
    /** Not decided: the time budget ran out, or the history lacks what the checker needs. Never read as TRUE. */
    UNKNOWN;

    /** FALSE wins over UNKNOWN, which wins over TRUE: how per-key verdicts combine into one. */
    public Validity and(Validity other) {
        if (this == FALSE || other == FALSE) {
            return FALSE;
        }
        return this == UNKNOWN || other == UNKNOWN ? UNKNOWN : TRUE;
    }
}
