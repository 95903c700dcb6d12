package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Makes a non-linearizable key history smaller while it stays non-linearizable, within a time budget.
 *
 * <p>Only steps that cannot turn a linearizable history into a non-linearizable one are used, so whatever is
 * left is a true witness against the original (if the original had a legal order, so would the smaller one):
 * <ul>
 *   <li>cut at the completion the search could not get past: calls invoked later go, calls still running become
 *       indeterminate;
 *   <li>drop a completed read;
 *   <li>make a completed write or cas indeterminate (it may now also not happen, or happen later);
 *       {@link RegisterCall#fromHistory} then drops it if nobody observed its value.
 * </ul>
 * The loop is delta debugging: try to weaken chunks of half the calls, then quarters, down to single calls; reads
 * first, then writes.
 */
final class Shrinker {
    private final LongSupplier clockNanos;
    private final long deadlineNanos;

    Shrinker(LongSupplier clockNanos, long deadlineNanos) {
        this.clockNanos = clockNanos;
        this.deadlineNanos = deadlineNanos;
    }

    /** The calls of a smaller failing history; {@code failing} is returned as is when nothing smaller is found. */
    List<Call> shrink(List<Call> failing, long cutIndex) {
        List<Call> current = cut(failing, cutIndex);
        long started = clockNanos.getAsLong();
        if (!stillFalse(current, deadlineNanos)) {
            current = failing; // cannot happen in theory; stay safe if it does
        }
        // A candidate that makes the search much slower than the first history did is dropped rather than waited
        // for: weakening writes adds pending-for-ever calls, which can blow the search up.
        long candidateNanos = Math.max(CANDIDATE_NANOS_MIN, 4 * (clockNanos.getAsLong() - started));
        current = deltaDebug(current, true, candidateNanos);
        return deltaDebug(current, false, candidateNanos);
    }

    /** Smallest per-candidate budget: enough for a few hundred thousand search steps. */
    private static final long CANDIDATE_NANOS_MIN = 20_000_000L;

    /** Drops reads ({@code reads}) or weakens writes, halving chunks down to one call. */
    private List<Call> deltaDebug(List<Call> current, boolean reads, long candidateNanos) {
        for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk /= 2) {
            for (int start = 0; start < current.size(); ) {
                long now = clockNanos.getAsLong();
                if (now - deadlineNanos > 0) {
                    return current;
                }
                List<Call> candidate = weaken(current, start, Math.min(current.size(), start + chunk), reads);
                boolean smaller = candidate.size() < current.size()
                        || countDeterminate(candidate) < countDeterminate(current);
                long candidateDeadline = Math.min(deadlineNanos - now, candidateNanos) + now;
                if (smaller && stillFalse(candidate, candidateDeadline)) {
                    current = candidate;
                    continue; // same start: the next chunk slid into place
                }
                start += chunk;
            }
        }
        return current;
    }

    /** The calls invoked at or before {@code cutIndex}; those completing after it become indeterminate. */
    static List<Call> cut(List<Call> calls, long cutIndex) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.invoke().index() <= cutIndex) {
                out.add(c.completeIndex() <= cutIndex ? c : new Call(c.invoke(), null));
            }
        }
        return out;
    }

    private static List<Call> weaken(List<Call> calls, int from, int to, boolean reads) {
        List<Call> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            boolean read = c.invoke().f().equals(Fn.READ);
            if (i < from || i >= to || c.outcome() != OpType.OK || read != reads) {
                out.add(c);
            } else if (!read) {
                out.add(new Call(c.invoke(), null));
            } // a completed read in range is dropped
        }
        // Keep only what the search would keep, so sizes shrink visibly.
        List<Call> kept = new ArrayList<>();
        for (RegisterCall rc : RegisterCall.fromHistory(out)) {
            kept.add(rc.source());
        }
        return kept;
    }

    private static int countDeterminate(List<Call> calls) {
        int n = 0;
        for (Call c : calls) {
            n += c.isIndeterminate() ? 0 : 1;
        }
        return n;
    }

    private boolean stillFalse(List<Call> calls, long deadline) {
        List<RegisterCall> rcs = RegisterCall.fromHistory(calls);
        return new WglSearch(rcs).run(clockNanos, deadline).validity() == Validity.FALSE;
    }
}
