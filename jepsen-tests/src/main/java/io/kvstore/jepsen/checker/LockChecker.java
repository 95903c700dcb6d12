package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a lock workload's history (jepsen-tests LockWorkload): the safety a fencing token promises, which holds
 * even when a holder does not know it lost the lock.
 * <ul>
 *   <li>no two acknowledged grants carry the same token;</li>
 *   <li>holders never overlap in fencing order: ordered by the store revision at which they were applied, the
 *       tokens of acknowledged fenced writes never decrease (a superseded holder's write never lands after its
 *       successor's);</li>
 *   <li>every acknowledged {@code stale_write} (a write with a token already released) is a violation: it must
 *       always FAIL (FENCED).</li>
 * </ul>
 * UNKNOWN when no grant was acknowledged (nothing was checked). Real-time overlap of grants is not a violation:
 * under a partition the old holder is granted nothing new, yet still believes it holds until it learns otherwise;
 * that is what the tokens are for. Stateless, thread-safe.
 */
public final class LockChecker {

    /**
     * The verdict.
     *
     * @param grants acknowledged grants
     * @param fencedWrites acknowledged fenced writes
     * @param staleRejected stale writes that failed FENCED
     * @param explanation empty when valid
     */
    public record Result(Validity valid, int grants, int fencedWrites, int staleRejected, String explanation) {
    }

    public Result check(History history) {
        List<String> problems = new ArrayList<>();
        Set<Long> tokens = new HashSet<>();
        List<long[]> writes = new ArrayList<>(); // {revision, token}
        int grants = 0;
        int staleRejected = 0;
        for (Call c : history.calls()) {
            String f = c.invoke().f().name();
            boolean ok = c.outcome() == OpType.OK;
            switch (f) {
                case "acquire" -> {
                    if (ok) {
                        grants++;
                        long token = c.completion().value().get(0);
                        if (!tokens.add(token)) {
                            problems.add("token " + token + " was granted twice");
                        }
                    }
                }
                case "fenced_write" -> {
                    if (ok) {
                        writes.add(new long[] {c.completion().value().get(1), c.completion().value().get(0)});
                    }
                }
                case "stale_write" -> {
                    if (ok) {
                        problems.add("a write with released token " + c.invoke().value().get(0)
                                + " was accepted (op " + c.invoke().index() + ")");
                    } else if (c.outcome() == OpType.FAIL && "FENCED".equals(c.completion().error())) {
                        staleRejected++;
                    }
                }
                default -> { }
            }
        }
        writes.sort(Comparator.comparingLong(w -> w[0]));
        for (int i = 1; i < writes.size(); i++) {
            if (writes.get(i)[1] < writes.get(i - 1)[1]) {
                problems.add("token " + writes.get(i)[1] + " wrote at revision " + writes.get(i)[0]
                        + ", after token " + writes.get(i - 1)[1] + " wrote at revision " + writes.get(i - 1)[0]);
            }
        }
        if (!problems.isEmpty()) {
            return new Result(Validity.FALSE, grants, writes.size(), staleRejected,
                    String.join("; ", problems.subList(0, Math.min(problems.size(), 10))));
        }
        if (grants == 0) {
            return new Result(Validity.UNKNOWN, 0, 0, 0, "no grant was acknowledged: nothing to check");
        }
        return new Result(Validity.TRUE, grants, writes.size(), staleRejected, "");
    }
}
