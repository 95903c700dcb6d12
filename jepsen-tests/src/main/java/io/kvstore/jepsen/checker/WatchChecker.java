package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a watch workload (see the history shapes on {@link Fn#WATCH}, {@link Fn#READ_HISTORY},
 * {@link Fn#FINAL_READ}). Writes put unique values, so a value names its write and its key.
 *
 * <p>First the committed history (the last OK {@code read_history}: revision/value pairs from revision 1) is
 * checked against the writes: revisions strictly increase; every value in it was written by a write that did not
 * FAIL, once; every OK write is in it; each key's last change in it matches that key's {@code final_read}. Then
 * each watcher's deliveries, concatenated over its {@code watch} operations, must be exactly the committed history
 * from revision 1 up to the last revision it delivered: nothing missing (gap), nothing twice (duplicate), never a
 * lower revision after a higher one (going back in revision, as after a bad reconnect), no value the committed
 * history has not at that revision. A watcher must also have delivered the whole committed history by the end,
 * unless the store ended its watch (a FAIL {@code watch}: history compacted), which is allowed.
 *
 * <p>Verdict: FALSE with the first anomaly explained; UNKNOWN when there is no committed history to compare with;
 * else TRUE. Stateless.
 */
public final class WatchChecker {

    private record Delivery(long revision, long value, Call call) {
    }

    /** Checks {@code history}. */
    public Outcome check(History history) {
        Map<Long, Call> writes = new HashMap<>();
        Map<Integer, List<Call>> watchers = new TreeMap<>();
        Call reference = null;
        Map<String, Call> finalReads = new LinkedHashMap<>();
        for (Call c : history.calls()) {
            Fn f = c.invoke().f();
            if (f.equals(Fn.WRITE)) {
                writes.put(c.invoke().value().get(0), c);
            } else if (f.equals(Fn.WATCH)) {
                watchers.computeIfAbsent(c.invoke().process(), p -> new ArrayList<>()).add(c);
            } else if (f.equals(Fn.READ_HISTORY) && c.outcome() == OpType.OK) {
                reference = c;
            } else if (f.equals(Fn.FINAL_READ) && c.outcome() == OpType.OK) {
                finalReads.put(c.invoke().key(), c);
            }
        }
        long okWrites = writes.values().stream().filter(w -> w.outcome() == OpType.OK).count();
        if (reference == null) {
            return new Outcome(Validity.UNKNOWN, "no committed history was read back after the run (the cluster did "
                    + "not answer), so the watchers cannot be compared with it", null, okWrites
                    + " acknowledged writes, "
                    + watchers.size() + " watchers");
        }
        List<Long> ref = reference.completion().value();
        TreeMap<Long, Long> committed = new TreeMap<>();
        Outcome bad = checkCommitted(ref, committed, writes, finalReads, reference);
        if (bad != null) {
            return bad;
        }
        long last = committed.isEmpty() ? 0 : committed.lastKey();
        int events = 0;
        int ended = 0;
        for (Map.Entry<Integer, List<Call>> w : watchers.entrySet()) {
            List<Delivery> got = new ArrayList<>();
            boolean endedByStore = false;
            for (Call c : w.getValue()) {
                if (c.outcome() == OpType.FAIL) {
                    endedByStore = true;
                } else if (c.outcome() == OpType.OK) {
                    List<Long> v = c.completion().value();
                    for (int i = 0; i + 1 < v.size(); i += 2) {
                        got.add(new Delivery(v.get(i), v.get(i + 1), c));
                    }
                }
            }
            events += got.size();
            ended += endedByStore ? 1 : 0;
            Outcome o = checkWatcher(w.getKey(), got, committed, writes, reference, endedByStore, last);
            if (o != null) {
                return o;
            }
        }
        return new Outcome(Validity.TRUE, "", null, okWrites + " acknowledged writes, " + committed.size()
                + " committed changes (revisions up to " + last + "), " + watchers.size() + " watchers delivered "
                + events + " events in order with no gap or repeat" + (ended > 0 ? "; " + ended
                + " watches ended by the store (compacted)" : ""));
    }

    private static Outcome checkCommitted(List<Long> ref, TreeMap<Long, Long> committed, Map<Long, Call> writes,
                                          Map<String, Call> finalReads, Call reference) {
        Set<Long> seen = new LinkedHashSet<>();
        Map<String, long[]> lastByKey = new HashMap<>();
        long prev = 0;
        for (int i = 0; i + 1 < ref.size(); i += 2) {
            long rev = ref.get(i);
            long value = ref.get(i + 1);
            Call w = writes.get(value);
            if (rev <= prev) {
                return invalid("the committed history read back goes from revision " + prev + " to " + rev,
                        List.of(reference));
            }
            if (w == null || w.outcome() == OpType.FAIL) {
                return invalid("the committed history holds value " + value + " at revision " + rev + ", which "
                        + (w == null ? "no write attempted" : "a write that FAILed (definitely not applied) wrote: "
                        + w), w == null ? List.of(reference) : List.of(w, reference));
            }
            if (!seen.add(value)) {
                return invalid("the committed history holds value " + value + " twice (each write is applied once)",
                        List.of(w, reference));
            }
            committed.put(rev, value);
            lastByKey.put(w.invoke().key(), new long[] {value, rev});
            prev = rev;
        }
        for (Call w : writes.values()) {
            if (w.outcome() == OpType.OK && !seen.contains(w.invoke().value().get(0))) {
                return invalid("acknowledged " + w + " is not in the committed history read back after the run "
                        + "(a lost write)", List.of(w, reference));
            }
        }
        for (Call r : finalReads.values()) {
            List<Long> v = r.completion().value();
            long[] expected = lastByKey.get(r.invoke().key());
            boolean match = v.isEmpty() ? expected == null
                    : expected != null && expected[0] == v.get(0) && expected[1] == v.get(1);
            if (!match) {
                return invalid("the final read of " + r.invoke().key() + " returned " + v + " (value, modRevision) "
                        + "but the committed history's last change of that key is " + (expected == null ? "none"
                        : "[" + expected[0] + ", " + expected[1] + "]"), List.of(r, reference));
            }
        }
        return null;
    }

    private static Outcome checkWatcher(int process, List<Delivery> got, TreeMap<Long, Long> committed,
                                        Map<Long, Call> writes, Call reference, boolean endedByStore, long last) {
        long prev = 0;
        Delivery prevD = null;
        String who = "watcher p" + process;
        for (Delivery d : got) {
            if (d.revision() == prev) {
                return invalid(who + " was delivered revision " + d.revision() + " twice (a duplicate): in "
                        + prevD.call() + " and again in " + d.call(), calls(prevD.call(), d.call(), reference));
            }
            if (d.revision() < prev) {
                return invalid(who + " went back in revision: after revision " + prev + " (in " + prevD.call()
                        + ") it was delivered revision " + d.revision() + " (in " + d.call() + ")",
                        calls(prevD.call(), d.call(), reference));
            }
            Long expected = committed.get(d.revision());
            if (expected == null || expected != d.value()) {
                Call w = writes.get(d.value());
                return invalid(who + " was delivered value " + d.value() + " at revision " + d.revision() + " (in "
                        + d.call() + ") but the committed history has " + (expected == null
                        ? "no change of these keys at that revision" : "value " + expected + " there"),
                        w == null ? calls(d.call(), reference) : calls(w, d.call(), reference));
            }
            Map.Entry<Long, Long> skipped = committed.higherEntry(prev);
            if (skipped != null && skipped.getKey() < d.revision()) {
                Call w = writes.get(skipped.getValue());
                return invalid(who + " missed revision " + skipped.getKey() + " (value " + skipped.getValue()
                        + ", written by " + w + "): it was delivered revision " + prev + " and then " + d.revision()
                        + " (in " + d.call() + "), a gap", calls(w, d.call(), reference));
            }
            prev = d.revision();
            prevD = d;
        }
        if (prev < last && !endedByStore) {
            Map.Entry<Long, Long> next = committed.higherEntry(prev);
            return invalid(who + " never delivered revision " + next.getKey() + " (value " + next.getValue()
                    + "): its last delivered revision is " + prev + " while the committed history reaches " + last
                    + "; it did not catch up within the time allowed after the run (stuck or lagging watch)",
                    calls(writes.get(next.getValue()), reference));
        }
        return null;
    }

    private static List<Call> calls(Call... calls) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c != null && !out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }

    private static Outcome invalid(String explanation, List<Call> involved) {
        return Outcome.invalid(explanation, involved);
    }
}
