package io.kvstore.jepsen.history;

import java.util.Objects;

/**
 * An invocation paired with its completion.
 *
 * @param invoke the INVOKE event
 * @param completion the OK, FAIL or INFO event, or null when the history ended first (treated as INFO)
 */
public record Call(Op invoke, Op completion) {
    public Call {
        Objects.requireNonNull(invoke, "invoke");
        if (invoke.type() != OpType.INVOKE) {
            throw new IllegalArgumentException("not an invocation: " + invoke);
        }
        if (completion != null && (!completion.type().isCompletion() || completion.process() != invoke.process())) {
            throw new IllegalArgumentException("not a completion of " + invoke + ": " + completion);
        }
    }

    /** OK, FAIL, or INFO (also when the completion is missing). */
    public OpType outcome() {
        return completion == null ? OpType.INFO : completion.type();
    }

    /** True when the outcome is INFO or missing: the effect may happen at any time after invocation, or never. */
    public boolean isIndeterminate() {
        return outcome() == OpType.INFO;
    }

    /** The completion's index, or {@link Long#MAX_VALUE} when indeterminate (the op may take effect for ever). */
    public long completeIndex() {
        return isIndeterminate() ? Long.MAX_VALUE : completion.index();
    }

    /** The completion's time, or {@link Long#MAX_VALUE} when indeterminate. */
    public long completeNanos() {
        return isIndeterminate() ? Long.MAX_VALUE : completion.timeNanos();
    }

    @Override
    public String toString() {
        String result = outcome() == OpType.OK ? " -> " + completion.value() : " " + outcome().jsonName();
        String end = isIndeterminate() ? "inf" : "#" + completion.index();
        return "p" + invoke.process() + " " + invoke.f() + " " + invoke.key() + " " + invoke.value() + result
                + " [#" + invoke.index() + ", " + end + "]";
    }
}
