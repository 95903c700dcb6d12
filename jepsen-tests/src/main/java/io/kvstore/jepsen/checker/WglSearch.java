package io.kvstore.jepsen.checker;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Wing &amp; Gong's search for a legal order of one key's calls, with Lowe's memoization, in the shape of
 * Porcupine's {@code checkSingle}. Single-threaded; one instance per search.
 *
 * <p>Events (invocations and completions) sit in a doubly linked list in history order. The search walks it: at
 * an invocation it tries to take that call next (legal from the current state, and the pair (set of calls taken,
 * state) not seen before), removing the call's two events from the list and restarting from the head; at a
 * completion it has failed to take that call in time, so it backtracks by putting the last call back. Reaching
 * the end of the list means only indeterminate calls remain (they have no completion event), which may never take
 * effect: success. Backtracking past the first call means no legal order exists.
 *
 * <p>Cost: the cache bounds the work by the number of distinct (taken-set, state) pairs reachable, times n for
 * the scan. That is exponential in the worst case (the problem is NP-complete) but close to linear when few calls
 * overlap, which is what a per-key history with a handful of clients looks like.
 */
final class WglSearch {
    /** How many steps between clock reads; a step is tens of nanoseconds, so the deadline is overshot by well under 1 ms. */
    private static final int STEPS_PER_DEADLINE_CHECK = 1 << 12;

    /** The verdict and, when FALSE or UNKNOWN, how far the search got. */
    record Outcome(Validity validity, long steps, int deepestTaken, Long deepestState, RegisterCall blockedCall) {}

    private record Seen(BitSet taken, Long state) {}

    private final List<RegisterCall> calls;
    private final int head;
    private final int[] next;
    private final int[] prev;
    private final int[] callOf;
    private final int[] match; // for an invocation event: its completion event, or -1 when indeterminate
    private final boolean[] isInvoke;

    WglSearch(List<RegisterCall> calls) {
        this.calls = calls;
        int n = calls.size();
        long[] keys = new long[2 * n]; // (history index << 1 | isCompletion) sorted; index unique per event
        int events = 0;
        for (RegisterCall c : calls) {
            keys[events++] = c.invokeIndex() * 2 * n * 2 + c.id() * 2L;
            if (!c.indeterminate()) {
                keys[events++] = c.completeIndex() * 2 * n * 2 + c.id() * 2L + 1;
            }
        }
        long[] sorted = Arrays.copyOf(keys, events);
        Arrays.sort(sorted);
        head = events;
        next = new int[events + 1];
        prev = new int[events + 1];
        callOf = new int[events];
        match = new int[events];
        isInvoke = new boolean[events];
        int[] invokeEventOf = new int[n];
        Arrays.fill(match, -1);
        for (int e = 0; e < events; e++) {
            long k = sorted[e];
            int id = (int) ((k % (2L * n * 2)) / 2);
            callOf[e] = id;
            isInvoke[e] = (k & 1) == 0;
            if (isInvoke[e]) {
                invokeEventOf[id] = e;
            } else {
                match[invokeEventOf[id]] = e;
            }
            next[e] = e + 1 < events ? e + 1 : -1;
            prev[e] = e == 0 ? head : e - 1;
        }
        next[head] = events > 0 ? 0 : -1;
    }

    /**
     * Runs the search until decided or until {@code clockNanos} passes {@code deadlineNanos} (then UNKNOWN).
     */
    Outcome run(LongSupplier clockNanos, long deadlineNanos) {
        int n = calls.size();
        BitSet taken = new BitSet(n);
        Set<Seen> seen = new HashSet<>();
        int[] stackEvent = new int[n];
        Long[] stackState = new Long[n];
        int depth = 0;
        Long state = null;
        int deepest = -1;
        Long deepestState = null;
        RegisterCall blocked = null;
        long steps = 0;
        int entry = next[head];
        while (true) {
            if (entry == -1) {
                return new Outcome(Validity.TRUE, steps, depth, state, null);
            }
            if (++steps % STEPS_PER_DEADLINE_CHECK == 0 && clockNanos.getAsLong() - deadlineNanos > 0) {
                return new Outcome(Validity.UNKNOWN, steps, deepest, deepestState, blocked);
            }
            RegisterCall c = calls.get(callOf[entry]);
            if (isInvoke[entry]) {
                if (c.legalFrom(state)) {
                    Long after = c.after(state);
                    taken.set(c.id());
                    if (seen.add(new Seen((BitSet) taken.clone(), after))) {
                        stackEvent[depth] = entry;
                        stackState[depth++] = state;
                        state = after;
                        lift(entry);
                        entry = next[head];
                        continue;
                    }
                    taken.clear(c.id());
                }
                entry = next[entry];
            } else {
                if (depth > deepest) {
                    deepest = depth;
                    deepestState = state;
                    blocked = c;
                }
                if (depth == 0) {
                    return new Outcome(Validity.FALSE, steps, deepest, deepestState, blocked);
                }
                entry = stackEvent[--depth];
                state = stackState[depth];
                taken.clear(callOf[entry]);
                unlift(entry);
                entry = next[entry];
            }
        }
    }

    private void lift(int e) {
        unlink(e);
        if (match[e] != -1) {
            unlink(match[e]);
        }
    }

    private void unlift(int e) {
        if (match[e] != -1) {
            relink(match[e]);
        }
        relink(e);
    }

    private void unlink(int e) {
        next[prev[e]] = next[e];
        if (next[e] != -1) {
            prev[next[e]] = prev[e];
        }
    }

    private void relink(int e) {
        next[prev[e]] = e;
        if (next[e] != -1) {
            prev[next[e]] = e;
        }
    }
}
