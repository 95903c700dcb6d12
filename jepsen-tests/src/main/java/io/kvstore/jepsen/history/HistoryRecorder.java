package io.kvstore.jepsen.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Records events as clients invoke operations and learn their outcomes, assigning each its index and time.
 * Thread-safe: workload client threads call it concurrently; one lock orders the events, so index order is the
 * order in which the recorder saw them (which is what real-time order needs: a client records the invocation
 * before sending and the completion after receiving).
 */
public final class HistoryRecorder {
    private final LongSupplier clockNanos;
    private final long startNanos;
    private final List<Op> ops = new ArrayList<>();
    private final Map<Integer, Op> pending = new HashMap<>();

    /**
     * @param clockNanos a monotonic clock, for example {@code System::nanoTime}, or a fake one in simulations;
     *     times are recorded relative to its value at construction
     */
    public HistoryRecorder(LongSupplier clockNanos) {
        this(clockNanos, clockNanos.getAsLong());
    }

    /**
     * A recorder whose times count from {@code startNanos} of {@code clockNanos} rather than from now: the harness
     * passes its own origin of {@link System#nanoTime()} (one clock for every process on the machine) to the
     * workload JVM, so that the history and the nemesis timeline share a time axis.
     */
    public HistoryRecorder(LongSupplier clockNanos, long startNanos) {
        this.clockNanos = Objects.requireNonNull(clockNanos, "clockNanos");
        this.startNanos = startNanos;
    }

    /** A recorder on {@link System#nanoTime()}. */
    public static HistoryRecorder systemClock() {
        return new HistoryRecorder(System::nanoTime);
    }

    /** Records that {@code process} sends {@code f(key, values)}; the process must have nothing in flight. */
    public synchronized Op invoke(int process, Fn f, String key, long... values) {
        if (pending.containsKey(process)) {
            throw new IllegalStateException("process " + process + " already has " + pending.get(process));
        }
        Op op = append(process, OpType.INVOKE, f, key, toList(values), null);
        pending.put(process, op);
        return op;
    }

    /** Records success with the invocation's values as the result (writes, cas, add). */
    public synchronized Op ok(int process) {
        return complete(process, OpType.OK, null, null);
    }

    /** Records success with the given result (reads; an empty result is a read of an absent key). */
    public synchronized Op ok(int process, long... result) {
        return complete(process, OpType.OK, toList(result), null);
    }

    /** Records that the operation definitely did not take effect. */
    public synchronized Op fail(int process, String error) {
        return complete(process, OpType.FAIL, null, error);
    }

    /** Records that the outcome is unknown (timeout, crash); the process should not be reused afterwards. */
    public synchronized Op info(int process, String error) {
        return complete(process, OpType.INFO, null, error);
    }

    /** The history so far; pending invocations stay pending (they count as indeterminate). */
    public synchronized History history() {
        return History.of(ops);
    }

    private Op complete(int process, OpType type, List<Long> result, String error) {
        Op invoke = pending.remove(process);
        if (invoke == null) {
            throw new IllegalStateException("process " + process + " has nothing in flight");
        }
        return append(process, type, invoke.f(), invoke.key(), result == null ? invoke.value() : result, error);
    }

    private Op append(int process, OpType type, Fn f, String key, List<Long> value, String error) {
        Op op = new Op(ops.size(), process, type, f, key, value, clockNanos.getAsLong() - startNanos, error);
        ops.add(op);
        return op;
    }

    private static List<Long> toList(long[] values) {
        List<Long> out = new ArrayList<>(values.length);
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
