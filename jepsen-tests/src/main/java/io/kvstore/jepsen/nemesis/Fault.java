package io.kvstore.jepsen.nemesis;

import java.util.List;
import java.util.Objects;

/**
 * One fault the nemesis injected, for the timeline: what, to whom, when (nanoseconds since the run's origin, the
 * clock the history uses) and what happened (for example "n3 refused to start: corrupt raft log; restored").
 *
 * @param kind partition, kill, pause, netem or corrupt
 * @param detail the variant, for example "majority-minority [n1, n2] | [n3, n4, n5]"
 * @param members the members it touched, by name
 * @param startNanos when it began
 * @param endNanos when it was healed or undone
 * @param outcome what the harness observed, or "" when nothing notable
 */
public record Fault(String kind, String detail, List<String> members, long startNanos, long endNanos,
                    String outcome) {
    public Fault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        members = List.copyOf(members);
        Objects.requireNonNull(outcome, "outcome");
        if (endNanos < startNanos) {
            throw new IllegalArgumentException("fault ends before it starts: " + startNanos + " > " + endNanos);
        }
    }
}
