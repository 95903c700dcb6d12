package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.OpType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks an ephemeral workload ({@link Fn#OPEN}, {@link Fn#KILL_CLIENT}, {@link Fn#READ_EPHEMERAL}): client
 * processes each hold a session (kvstore) or lease (etcd) of {@code ttl} with one key; some are killed with kill
 * -9; a reader lists the keys, linearizably, a few times a second.
 *
 * <ul>
 *   <li>A killed client's key must be gone from every read that begins later than {@code ttl + grace} after the
 *       kill completed, and once a read saw it gone, no later read may show it again.
 *   <li>A healthy client's key (opened OK, never killed) must be in every read that begins after its open
 *       completed: sessions survive leader changes, kills and pauses of members.
 * </ul>
 * The grace covers what may delay an expiry legitimately: no leader (an election, a majority of members killed
 * for the nemesis's hold) and the new leader's fresh TTL. UNKNOWN when a killed client's deadline is not followed
 * by any successful read. Stateless.
 */
public final class EphemeralChecker {
    /** The session/lease TTL the workload's clients ask for. */
    public static final Duration TTL = Duration.ofSeconds(3);
    /**
     * Allowed on top of the TTL: one fault's hold (5 s by default: no leader while a majority is down), an
     * election, a member's restart, and the new leader's fresh TTL for every session.
     */
    public static final Duration GRACE = Duration.ofSeconds(15);

    private final Duration ttl;
    private final Duration grace;

    public EphemeralChecker(Duration ttl, Duration grace) {
        this.ttl = ttl;
        this.grace = grace;
    }

    /** Checks {@code history}. */
    public Outcome check(History history) {
        Map<Long, Call> opens = new TreeMap<>();
        Map<Long, Call> kills = new TreeMap<>();
        List<Call> reads = new ArrayList<>();
        for (Call c : history.calls()) {
            Fn f = c.invoke().f();
            if (f.equals(Fn.OPEN)) {
                opens.put(c.invoke().value().get(0), c);
            } else if (f.equals(Fn.KILL_CLIENT) && c.outcome() == OpType.OK) {
                kills.put(c.invoke().value().get(0), c);
            } else if (f.equals(Fn.READ_EPHEMERAL) && c.outcome() == OpType.OK) {
                reads.add(c);
            }
        }
        long limit = ttl.plus(grace).toNanos();
        List<Long> disappearMillis = new ArrayList<>();
        int unknown = 0;
        for (Map.Entry<Long, Call> k : kills.entrySet()) {
            long client = k.getKey();
            Call kill = k.getValue();
            long killed = kill.completion().timeNanos();
            Call goneAt = null;
            boolean after = false;
            for (Call r : reads) {
                if (r.invoke().index() < kill.completion().index()) {
                    continue;
                }
                boolean present = r.completion().value().contains(client);
                boolean opened = opens.containsKey(client) && opens.get(client).outcome() == OpType.OK;
                if (goneAt != null && present && opened) { // an unfinished open may land late
                    return invalid("the key of killed client " + client + " came back: " + goneAt + " did not show "
                            + "it, then " + r + " did", opens.get(client), kill, goneAt, r);
                }
                if (r.invoke().timeNanos() - killed > limit) {
                    after = true;
                    if (present) {
                        return invalid(String.format(java.util.Locale.ROOT, "the key of client %d, killed (kill -9) "
                                + "at %.3f s, is still present in %s, which began %.3f s after the kill: more than "
                                + "the TTL (%d ms) plus the grace (%d ms)", client, killed / 1e9, r,
                                (r.invoke().timeNanos() - killed) / 1e9, ttl.toMillis(), grace.toMillis()),
                                opens.get(client), kill, r);
                    }
                }
                if (!present && goneAt == null) {
                    goneAt = r;
                    disappearMillis.add(Math.max(0, (r.completion().timeNanos() - killed) / 1_000_000));
                }
            }
            if (!after) {
                unknown++;
            }
        }
        int healthy = 0;
        for (Map.Entry<Long, Call> o : opens.entrySet()) {
            Call open = o.getValue();
            if (open.outcome() != OpType.OK || kills.containsKey(o.getKey())) {
                continue;
            }
            healthy++;
            for (Call r : reads) {
                if (r.invoke().index() > open.completion().index() && !r.completion().value().contains(o.getKey())) {
                    return invalid("the key of healthy client " + o.getKey() + " (its session/lease kept alive, "
                            + "never killed) is missing from " + r + ", which began after " + open
                            + " completed: a live session's ephemeral key was removed", open, r);
                }
            }
        }
        disappearMillis.sort(Long::compare);
        String details = kills.size() + " clients killed, " + healthy + " healthy, " + reads.size()
                + " successful reads; TTL " + ttl.toMillis() + " ms, grace " + grace.toMillis() + " ms"
                + (disappearMillis.isEmpty() ? "" : "; killed clients' keys gone after " + disappearMillis
                + " ms (first read without them)");
        if (unknown > 0) {
            return new Outcome(Validity.UNKNOWN, unknown + " killed clients have no successful read after their "
                    + "TTL + grace, so their expiry is not known", null, details);
        }
        return new Outcome(Validity.TRUE, "", null, details);
    }

    private static Outcome invalid(String explanation, Call... involved) {
        return Outcome.invalid(explanation, java.util.Arrays.asList(involved));
    }
}
