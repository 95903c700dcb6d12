package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The oracle for small single-key histories: tries every order of the operations that respects real time,
 * where each indeterminate write or cas may also be left out. Shares no code with the checker. Exponential; meant
 * for up to about 8 operations.
 */
final class BruteForceChecker {
    private BruteForceChecker() {}

    static boolean linearizable(History history) {
        List<Call> required = new ArrayList<>();
        List<Call> optional = new ArrayList<>();
        for (Call c : history.calls()) {
            boolean read = c.invoke().f().equals(Fn.READ);
            if (c.outcome() == OpType.OK) {
                required.add(c);
            } else if (c.outcome() == OpType.INFO && !read) {
                optional.add(c);
            }
        }
        List<Call> all = new ArrayList<>(required);
        all.addAll(optional);
        return search(all, required.size(), new boolean[all.size()], 0, null);
    }

    private static boolean search(List<Call> all, int requiredCount, boolean[] used, int requiredUsed, Long state) {
        if (requiredUsed == requiredCount) {
            return true;
        }
        for (int i = 0; i < all.size(); i++) {
            if (used[i]) {
                continue;
            }
            Call next = all.get(i);
            if (!mayGoNext(all, requiredCount, used, next)) {
                continue;
            }
            Long after = apply(next, state);
            if (after == NOT_LEGAL) {
                continue;
            }
            used[i] = true;
            if (search(all, requiredCount, used, requiredUsed + (i < requiredCount ? 1 : 0), after)) {
                return true;
            }
            used[i] = false;
        }
        return false;
    }

    /** No unused required call completed before {@code next} was invoked (optional calls never complete). */
    private static boolean mayGoNext(List<Call> all, int requiredCount, boolean[] used, Call next) {
        for (int j = 0; j < requiredCount; j++) {
            if (!used[j] && all.get(j).completion().index() < next.invoke().index()) {
                return false;
            }
        }
        return true;
    }

    private static final Long NOT_LEGAL = Long.valueOf(Long.MIN_VALUE + 12345);

    private static Long apply(Call c, Long state) {
        Fn f = c.invoke().f();
        if (f.equals(Fn.READ)) {
            List<Long> v = c.completion().value();
            return Objects.equals(state, v.isEmpty() ? null : v.get(0)) ? state : NOT_LEGAL;
        }
        if (f.equals(Fn.WRITE)) {
            return c.invoke().value().get(0);
        }
        return Objects.equals(state, c.invoke().value().get(0)) ? c.invoke().value().get(1) : NOT_LEGAL;
    }
}
