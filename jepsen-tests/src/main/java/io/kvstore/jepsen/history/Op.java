package io.kvstore.jepsen.history;

import java.util.List;
import java.util.Objects;

/**
 * One event of a {@link History}: an invocation or a completion of an operation. Immutable.
 *
 * @param index position in the history, from 0; real-time order is index order
 * @param process the client (Jepsen's process) that issued the operation; a process has at most one operation in
 *     flight, and after an INFO completion a workload should continue under a fresh process id, as Jepsen does
 * @param type invocation or completion kind
 * @param f the function called
 * @param key the key the operation touches (a set workload uses one key for its set)
 * @param value arguments on invocation, result on completion; see {@link Fn} for each function's shape
 * @param timeNanos monotonic nanoseconds since the start of the run; informative (plots, reports), never used for
 *     ordering
 * @param error why a FAIL or INFO happened (for example {@code "timeout"} or {@code "NOT_LEADER"}), or null
 */
public record Op(long index, int process, OpType type, Fn f, String key, List<Long> value, long timeNanos,
                 String error) {
    public Op {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0: " + index);
        }
        if (process < 0) {
            throw new IllegalArgumentException("process must be >= 0: " + process);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(key, "key");
        value = List.copyOf(value); // rejects null elements
    }

    /** This op at another position, for building sub-histories. */
    public Op withIndex(long newIndex) {
        return new Op(newIndex, process, type, f, key, value, timeNanos, error);
    }

    /** This event as one JSON object, the form {@link History#writeJsonLines} writes per line. */
    public String toJson() {
        StringBuilder out = new StringBuilder(128);
        JsonLines.formatOp(this, out);
        return out.toString();
    }

    /** A short form for reports, for example {@code "p3 ok write k7 [5] #12"}. */
    @Override
    public String toString() {
        return "p" + process + " " + type.jsonName() + " " + f + " " + key + " " + value + " #" + index
                + (error == null ? "" : " (" + error + ")");
    }
}
