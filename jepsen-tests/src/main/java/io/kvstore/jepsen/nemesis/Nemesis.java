package io.kvstore.jepsen.nemesis;

import io.kvstore.jepsen.cluster.Cluster;
import io.kvstore.jepsen.cluster.Link;
import io.kvstore.jepsen.cluster.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects faults on a timeline: a quiet interval, then one fault of the next enabled kind (round robin in a seeded
 * order), held for a while, then undone; repeated until the run's time is up, then everything is healed. Runs on the harness thread;
 * waiting for time to pass is its job, so it sleeps. Seeded: the same seed draws the same kinds and targets (the
 * cluster's timing still differs from run to run).
 */
public final class Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);

    /** The kinds the command line accepts. */
    public static final List<String> KINDS = List.of("partition", "kill", "pause", "netem", "corrupt", "member");

    /**
     * @param quiet between faults, so that the cluster recovers and the history shows both sides
     * @param hold how long a fault lasts: long enough for an election (about 1 s here) and for clients to time out
     */
    public record Schedule(Duration quiet, Duration hold) {
        public static Schedule defaults() {
            return new Schedule(Duration.ofSeconds(3), Duration.ofSeconds(5));
        }
    }

    private final Cluster cluster;
    private final List<String> kinds;
    private final Random random;
    private final LongSupplier clockNanos;
    private final Schedule schedule;
    private final List<Fault> faults = new ArrayList<>();
    private final LogCorruptor corruptor;
    private MembershipChanger membership;

    /**
     * @param kinds enabled kinds, from {@link #KINDS}; empty for a run without faults
     * @param clockNanos nanoseconds since the run's origin, the same clock as the history's
     */
    public Nemesis(Cluster cluster, List<String> kinds, long seed, LongSupplier clockNanos, Schedule schedule) {
        for (String k : kinds) {
            if (!KINDS.contains(k)) {
                throw new IllegalArgumentException("unknown nemesis " + k + "; known: " + KINDS);
            }
        }
        if (kinds.contains("partition") && !cluster.network().supportsPartitions()) {
            throw new IllegalArgumentException("nemesis partition needs network namespaces; the "
                    + cluster.network().kind() + " network cannot cut links");
        }
        this.cluster = cluster;
        this.kinds = new ArrayList<>(kinds);
        this.random = new Random(seed);
        this.clockNanos = clockNanos;
        this.schedule = schedule;
        this.corruptor = new LogCorruptor(random);
    }

    /** Enables the {@code member} kind: how members are removed and re-added (needs the client's network). */
    public Nemesis withMembership(MembershipChanger changer) {
        this.membership = changer;
        return this;
    }

    /** The faults injected so far, in order. */
    public synchronized List<Fault> faults() {
        return List.copyOf(faults);
    }

    /** Injects faults until {@code total} has passed, then heals; returns early (healed) when interrupted. */
    public void run(Duration total) {
        long end = clockNanos.getAsLong() + total.toNanos();
        // Round robin from a seeded order, so a short run still gets every enabled kind once; the variant of each
        // fault (which shape, which members) is drawn at random.
        java.util.Collections.shuffle(kinds, random);
        skipUnsupported();
        int round = 0;
        try {
            while (!kinds.isEmpty()) { // each round takes at least `quiet`, so this ends by `end`
                sleepUntil(Math.min(end, clockNanos.getAsLong() + schedule.quiet().toNanos()));
                if (clockNanos.getAsLong() + schedule.hold().toNanos() > end) {
                    break;
                }
                inject(kinds.get(round++ % kinds.size()));
            }
            sleepUntil(end);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            healAll();
        }
    }

    /** Records each kind the target cannot take once, as skipped with the reason, and leaves it out of the rotation. */
    private void skipUnsupported() {
        for (String kind : List.copyOf(kinds)) {
            String unsupported = cluster.target().unsupportedNemesis(kind);
            if (unsupported == null && kind.equals("member") && membership == null) {
                unsupported = "no membership changer configured";
            }
            if (unsupported != null) {
                kinds.remove(kind);
                long now = clockNanos.getAsLong();
                LOG.info("nemesis: {} skipped: {}", kind, unsupported);
                synchronized (this) {
                    faults.add(new Fault(kind, "skipped", List.of(), now, now, unsupported));
                }
            }
        }
    }

    private void inject(String kind) throws InterruptedException {
        long start = clockNanos.getAsLong();
        LOG.info("nemesis: {} starting", kind);
        Fault f = switch (kind) {
            case "partition" -> partition(start);
            case "kill" -> kill(start);
            case "pause" -> pause(start);
            case "netem" -> netem(start);
            case "corrupt" -> corrupt(start);
            case "member" -> member(start);
            default -> throw new IllegalStateException(kind);
        };
        LOG.info("nemesis: {} {} {} ended{}", f.kind(), f.detail(), f.members(),
                f.outcome().isEmpty() ? "" : ": " + f.outcome());
        synchronized (this) {
            faults.add(f);
        }
    }

    private Fault partition(long start) throws InterruptedException {
        int n = cluster.size();
        String shape = List.of("isolate-one", "majority-minority", "leader-alone", "bridge", "ring")
                .get(random.nextInt(5));
        Set<Link> links;
        String detail;
        List<Integer> order = new ArrayList<>();
        switch (shape) {
            case "isolate-one", "leader-alone" -> {
                int lonely = shape.equals("leader-alone")
                        ? cluster.leader().map(Member::index).orElse(random.nextInt(n)) : random.nextInt(n);
                var groups = Partitions.isolate(lonely, n);
                links = Partitions.between(groups);
                detail = shape + " " + names(groups.get(0)) + " | " + names(groups.get(1));
            }
            case "majority-minority" -> {
                var groups = Partitions.majorityMinority(n, random);
                links = Partitions.between(groups);
                detail = shape + " " + names(groups.get(0)) + " | " + names(groups.get(1));
            }
            case "bridge" -> {
                links = Partitions.bridge(n, random, order);
                detail = "bridge via n" + (order.get((n - 1) / 2) + 1) + ", cut " + links;
            }
            default -> {
                links = Partitions.ring(n, random, order);
                detail = "ring " + names(order) + ", cut " + links;
            }
        }
        cluster.network().cut(links);
        Thread.sleep(schedule.hold().toMillis());
        cluster.network().cut(Set.of());
        return new Fault("partition", detail, allNames(), start, clockNanos.getAsLong(), "");
    }

    private Fault kill(long start) throws InterruptedException {
        List<Member> victims = victims(List.of("one", "leader", "majority").get(random.nextInt(3)));
        for (Member m : victims) {
            m.kill();
        }
        Thread.sleep(schedule.hold().toMillis());
        StringBuilder outcome = new StringBuilder();
        for (String error : cluster.start(victims)) { // together: etcd reports ready only with a quorum
            outcome.append(error).append("; ");
        }
        return new Fault("kill", "kill -9 then restart", memberNames(victims), start, clockNanos.getAsLong(),
                outcome.toString());
    }

    private Fault pause(long start) throws InterruptedException {
        List<Member> victims = victims(random.nextBoolean() ? "one" : "leader");
        for (Member m : victims) {
            m.pause();
        }
        Thread.sleep(schedule.hold().toMillis());
        for (Member m : victims) {
            m.resume();
        }
        return new Fault("pause", "SIGSTOP then SIGCONT", memberNames(victims), start, clockNanos.getAsLong(), "");
    }

    private Fault netem(long start) throws InterruptedException {
        String reason = cluster.network().netemUnavailableReason();
        if (reason != null) {
            kinds.remove("netem"); // report once, then leave it out of the rotation
            return new Fault("netem", "skipped", List.of(), start, start, "unavailable: " + reason);
        }
        String args = random.nextBoolean() ? "delay 100ms 50ms" : "loss 20%";
        cluster.network().netem(args);
        Thread.sleep(schedule.hold().toMillis());
        cluster.network().clearNetem();
        return new Fault("netem", args, allNames(), start, clockNanos.getAsLong(), "");
    }

    private Fault corrupt(long start) {
        Member m = cluster.member(random.nextInt(cluster.size()));
        m.kill();
        LogCorruptor.Damage damage = corruptor.damage(m);
        String outcome = damage.description();
        String error = m.start(Cluster.START_DEADLINE);
        if (error != null) {
            outcome += "; refused to start: " + error;
            damage.restore();
            String again = m.start(Cluster.START_DEADLINE);
            outcome += again == null ? "; restored the file and restarted" : "; restored, still cannot start: " + again;
        } else {
            outcome += "; started on the damaged log";
        }
        return new Fault("corrupt", damage.kind(), List.of(m.name()), start, clockNanos.getAsLong(), outcome);
    }

    /**
     * Removes a random member from the membership, stops it and wipes its data, then (after the hold) starts it
     * empty with --join, adds it back as a learner and promotes it once it caught up.
     */
    private Fault member(long start) throws InterruptedException {
        Member m = cluster.member(random.nextInt(cluster.size()));
        StringBuilder outcome = new StringBuilder();
        MembershipChanger.Result removed = membership.remove(m);
        outcome.append(removed.message());
        if (!removed.ok()) {
            return new Fault("member", "remove then re-add", List.of(m.name()), start, clockNanos.getAsLong(),
                    outcome.append("; nothing else changed").toString());
        }
        m.stop(java.time.Duration.ofSeconds(5));
        membership.wipe(m);
        Thread.sleep(schedule.hold().toMillis());
        cluster.useJoinCommand(m);
        String error = m.start(Cluster.START_DEADLINE);
        if (error != null) {
            return new Fault("member", "remove then re-add", List.of(m.name()), start, clockNanos.getAsLong(),
                    outcome.append("; could not start it again: ").append(error).toString());
        }
        MembershipChanger.Result added = membership.readd(m);
        outcome.append("; data wiped; ").append(added.message());
        return new Fault("member", "remove then re-add", List.of(m.name()), start, clockNanos.getAsLong(),
                outcome.toString());
    }

    private List<Member> victims(String which) {
        int n = cluster.size();
        return switch (which) {
            case "leader" -> List.of(cluster.leader().orElse(cluster.member(random.nextInt(n))));
            case "majority" -> {
                List<Member> all = new ArrayList<>(cluster.members());
                java.util.Collections.shuffle(all, random);
                yield List.copyOf(all.subList(0, n / 2 + 1));
            }
            default -> List.of(cluster.member(random.nextInt(n)));
        };
    }

    /** Heals partitions and netem, resumes paused members and restarts killed ones. Never throws. */
    public void healAll() {
        try {
            cluster.network().cut(Set.of());
            cluster.network().clearNetem();
        } catch (RuntimeException e) {
            LOG.warn("nemesis: heal failed", e);
        }
        List<Member> down = new ArrayList<>();
        for (Member m : cluster.members()) {
            m.resume();
            if (m.state() == Member.State.DOWN) {
                down.add(m);
            }
        }
        for (String error : cluster.start(down)) {
            LOG.warn("nemesis: cannot restart a member after the run: {}", error);
        }
    }

    private void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - clockNanos.getAsLong();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private List<String> allNames() {
        return memberNames(cluster.members());
    }

    private static List<String> memberNames(List<Member> members) {
        return members.stream().map(Member::name).toList();
    }

    private static String names(List<Integer> indexes) {
        return indexes.stream().map(i -> "n" + (i + 1)).toList().toString().toLowerCase(Locale.ROOT);
    }
}
