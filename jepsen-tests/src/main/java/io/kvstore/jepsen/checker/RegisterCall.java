package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One register operation as the search sees it: what it observed and what it wrote, and the real-time interval in
 * which it may take effect. The register starts absent (null); writes never make it absent again.
 *
 * @param id position in the key's call list, 0..n-1 (the search's bitset index)
 * @param kind read, write or cas
 * @param observed READ: the value returned (null = absent); CAS: the expected value; WRITE: unused (null)
 * @param written WRITE and CAS: the new value; READ: unused (null)
 * @param invokeIndex history index of the invocation
 * @param completeIndex history index of the completion, {@link Long#MAX_VALUE} when indeterminate
 * @param source the call in the history
 */
record RegisterCall(int id, Kind kind, Long observed, Long written, long invokeIndex, long completeIndex,
                    Call source) {
    enum Kind { READ, WRITE, CAS }

    boolean indeterminate() {
        return completeIndex == Long.MAX_VALUE;
    }

    /** True when this call may take effect on a register holding {@code state}. */
    boolean legalFrom(Long state) {
        return kind == Kind.WRITE || Objects.equals(state, observed);
    }

    /** The register after this call took effect from {@code state}; call only when {@link #legalFrom} holds. */
    Long after(Long state) {
        return kind == Kind.READ ? state : written;
    }

    /** For explanations: "read -> 3 [#10, #14]", "cas 3->4 [#11, inf]". */
    String describe() {
        String what = switch (kind) {
            case READ -> "read -> " + show(observed);
            case WRITE -> "write " + written;
            case CAS -> "cas " + observed + "->" + written;
        };
        return what + " by p" + source.invoke().process() + " [#" + invokeIndex + ", "
                + (indeterminate() ? "inf" : "#" + completeIndex) + "]";
    }

    static String show(Long value) {
        return value == null ? "absent" : value.toString();
    }

    /**
     * The calls of one key that constrain the search. Every drop below keeps the verdict (if the kept calls have
     * a legal order, so do all of them, and the converse holds trivially):
     * <ul>
     *   <li>FAIL calls did not take effect.
     *   <li>Indeterminate reads returned nothing anyone saw.
     *   <li>An indeterminate write or cas whose new value no read returned and no cas expected: if some order
     *       applies it, nothing reads the value before the next write replaces it, so the same order without it
     *       is legal too.
     * </ul>
     * Throws {@link IllegalArgumentException} for a function or value shape the register model does not know.
     */
    static List<RegisterCall> fromHistory(List<Call> calls) {
        Set<Long> seen = new HashSet<>();
        for (Call c : calls) {
            if (c.outcome() == OpType.OK && c.invoke().f().equals(Fn.READ)) {
                List<Long> v = c.completion().value();
                if (!v.isEmpty()) {
                    seen.add(v.get(0));
                }
            } else if (c.outcome() != OpType.FAIL && c.invoke().f().equals(Fn.CAS)) {
                seen.add(arg(c, 0, 2));
            }
        }
        List<RegisterCall> out = new ArrayList<>();
        for (Call c : calls) {
            OpType outcome = c.outcome();
            Fn f = c.invoke().f();
            long invoke = c.invoke().index();
            long complete = c.completeIndex();
            if (outcome == OpType.FAIL) {
                continue;
            }
            if (f.equals(Fn.READ)) {
                if (outcome == OpType.OK) {
                    List<Long> v = c.completion().value();
                    if (v.size() > 1) {
                        throw new IllegalArgumentException("a read returns at most one value: " + c);
                    }
                    out.add(new RegisterCall(out.size(), Kind.READ, v.isEmpty() ? null : v.get(0), null, invoke,
                            complete, c));
                }
            } else if (f.equals(Fn.WRITE)) {
                long v = arg(c, 0, 1);
                if (outcome == OpType.OK || seen.contains(v)) {
                    out.add(new RegisterCall(out.size(), Kind.WRITE, null, v, invoke, complete, c));
                }
            } else if (f.equals(Fn.CAS)) {
                long v = arg(c, 1, 2);
                if (outcome == OpType.OK || seen.contains(v)) {
                    out.add(new RegisterCall(out.size(), Kind.CAS, arg(c, 0, 2), v, invoke, complete, c));
                }
            } else {
                throw new IllegalArgumentException("the register checker knows read, write and cas, not " + c);
            }
        }
        return out;
    }

    private static long arg(Call c, int i, int size) {
        List<Long> v = c.invoke().value();
        if (v.size() != size) {
            throw new IllegalArgumentException(c.invoke().f() + " takes " + size + " values: " + c);
        }
        return v.get(i);
    }
}
