package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.OpType;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a set workload on one key: clients ADD unique elements, and at the end one client reads the whole set
 * (READ_SET). Every add acknowledged before the final read began must be in it; nothing may be in it that no add
 * attempted, or whose add FAILed. Adds with an unknown outcome may go either way and are counted. Stateless and
 * thread-safe.
 */
public final class SetChecker {
    private final String key;

    /** @param key the key of the set; calls on other keys are ignored */
    public SetChecker(String key) {
        this.key = Objects.requireNonNull(key, "key");
    }

    /** Checks the last OK READ_SET of the key against the adds. */
    public SetResult check(History history) {
        Call finalRead = null;
        for (Call c : history.calls()) {
            if (c.invoke().key().equals(key) && c.invoke().f().equals(Fn.READ_SET) && c.outcome() == OpType.OK
                    && (finalRead == null || c.completeIndex() > finalRead.completeIndex())) {
                finalRead = c;
            }
        }
        if (finalRead == null) {
            return new SetResult(Validity.UNKNOWN, 0, new TreeSet<>(), new TreeSet<>(),
                    0, 0, "no successful read_set of " + key + ": nothing to check");
        }
        Set<Long> present = new HashSet<>(finalRead.completion().value());
        long readStart = finalRead.invoke().index();
        TreeSet<Long> lost = new TreeSet<>();
        TreeSet<Long> unexpected = new TreeSet<>(present);
        Set<Long> failed = new HashSet<>();
        int acknowledged = 0;
        int maybePresent = 0;
        int maybeAbsent = 0;
        for (Call c : history.calls()) {
            if (!c.invoke().key().equals(key) || !c.invoke().f().equals(Fn.ADD)) {
                continue;
            }
            List<Long> v = c.invoke().value();
            if (v.size() != 1) {
                throw new IllegalArgumentException("add takes one element: " + c);
            }
            long element = v.get(0);
            if (c.outcome() == OpType.FAIL) {
                failed.add(element);
                continue;
            }
            unexpected.remove(element);
            if (c.outcome() == OpType.OK && c.completeIndex() < readStart) {
                acknowledged++;
                if (!present.contains(element)) {
                    lost.add(element);
                }
            } else if (present.contains(element)) {
                maybePresent++;
            } else {
                maybeAbsent++;
            }
        }
        // A failed add whose element shows up is unexpected, unless another attempt of the same element may have
        // applied (removed above); failed elements only stay in `unexpected` when no attempt could have applied.
        Validity valid = lost.isEmpty() && unexpected.isEmpty() ? Validity.TRUE : Validity.FALSE;
        String explanation = valid == Validity.TRUE ? "" : String.format(
                "set %s: %d of %d acknowledged adds lost %s; %d unexpected elements %s%s", key, lost.size(),
                acknowledged, abbreviate(lost), unexpected.size(), abbreviate(unexpected),
                unexpected.stream().anyMatch(failed::contains) ? " (some of them from failed adds)" : "");
        return new SetResult(valid, acknowledged, lost, unexpected, maybePresent, maybeAbsent, explanation);
    }

    private static String abbreviate(TreeSet<Long> values) {
        return values.size() <= 20 ? values.toString() : values.stream().limit(20).toList() + "...";
    }
}
