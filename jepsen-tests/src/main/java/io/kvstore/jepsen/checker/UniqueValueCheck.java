package io.kvstore.jepsen.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast path, in O(n log n), mostly for keys where every written value is unique. It only ever answers "not
 * linearizable, and here is why"; when it finds nothing the full search decides, so it can speed up a FALSE but
 * never make a wrong TRUE.
 *
 * <p>With unique values, a call that observed v (a read returning v, or a cas expecting v) must take effect after
 * the one call that wrote v, with no other write in between. Three ways that is impossible:
 * <ol>
 *   <li>nothing wrote v (or, for "absent", some write completed before the observer was invoked);
 *   <li>the writer of v was invoked after the observer completed;
 *   <li>a write of another value that surely took effect (OK) was invoked after the writer of v completed and
 *       completed before the observer was invoked: in every order it sits between them (a stale read).
 * </ol>
 */
final class UniqueValueCheck {
    private UniqueValueCheck() {}

    /** A proof of non-linearizability: a sentence and the two or three calls it names. */
    record Anomaly(String explanation, List<RegisterCall> calls) {}

    /**
     * The first anomaly found, or null. Pattern 1 (a value nothing wrote) is checked on any key; patterns 2 and 3
     * only when written values are unique.
     */
    static Anomaly find(String key, List<RegisterCall> calls) {
        Map<Long, RegisterCall> writerOf = new HashMap<>();
        List<RegisterCall> sureWrites = new ArrayList<>();
        boolean unique = true;
        for (RegisterCall c : calls) {
            if (c.kind() != RegisterCall.Kind.READ) {
                unique &= writerOf.put(c.written(), c) == null;
                if (!c.indeterminate()) {
                    sureWrites.add(c);
                }
            }
        }
        // Pattern 1 needs no uniqueness: a value nothing wrote cannot be observed.
        for (RegisterCall r : calls) {
            if (r.kind() != RegisterCall.Kind.WRITE && !r.indeterminate() && r.observed() != null
                    && !writerOf.containsKey(r.observed())) {
                return new Anomaly(observation(key, r) + ", but no operation that may have taken effect wrote "
                        + r.observed(), List.of(r));
            }
        }
        if (!unique) {
            return null; // a value written twice: an observer's writer is ambiguous
        }
        // Sure writes by invocation, with the earliest-completing one at or after each position.
        sureWrites.sort(Comparator.comparingLong(RegisterCall::invokeIndex));
        int m = sureWrites.size();
        RegisterCall[] firstDoneFrom = new RegisterCall[m + 1];
        for (int i = m - 1; i >= 0; i--) {
            RegisterCall c = sureWrites.get(i);
            RegisterCall later = firstDoneFrom[i + 1];
            firstDoneFrom[i] = later != null && later.completeIndex() < c.completeIndex() ? later : c;
        }
        for (RegisterCall r : calls) {
            if (r.kind() == RegisterCall.Kind.WRITE || r.indeterminate()) {
                continue; // an indeterminate cas may not have happened, so it proves nothing
            }
            String what = observation(key, r);
            RegisterCall w = r.observed() == null ? null : writerOf.get(r.observed());
            if (w != null && w.invokeIndex() > r.completeIndex()) {
                return new Anomaly(what + ", but the only write of " + r.observed() + ", " + w.describe()
                        + ", was invoked after that", List.of(w, r));
            }
            long after = w == null ? -1 : w.completeIndex();
            int from = firstInvokedAfter(sureWrites, after);
            RegisterCall u = from < m ? firstDoneFrom[from] : null;
            if (u != null && u.completeIndex() < r.invokeIndex()) {
                String source = w == null ? "the initial state"
                        : "the only write of " + r.observed() + ", " + w.describe();
                String text = what + ", which is stale: " + u.describe() + " overwrote " + source
                        + " before the " + (r.kind() == RegisterCall.Kind.READ ? "read" : "cas") + " began";
                return new Anomaly(text, w == null ? List.of(u, r) : List.of(w, u, r));
            }
        }
        return null;
    }

    private static String observation(String key, RegisterCall r) {
        String what = r.kind() == RegisterCall.Kind.READ
                ? "read of " + key + " returned " + RegisterCall.show(r.observed())
                : "cas on " + key + " found " + RegisterCall.show(r.observed());
        return what + " at [#" + r.invokeIndex() + ", #" + r.completeIndex() + "]";
    }

    /** Position of the first write invoked strictly after history index {@code index}. */
    private static int firstInvokedAfter(List<RegisterCall> byInvoke, long index) {
        int lo = 0;
        int hi = byInvoke.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (byInvoke.get(mid).invokeIndex() > index) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
