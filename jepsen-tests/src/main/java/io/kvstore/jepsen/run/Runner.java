package io.kvstore.jepsen.run;

import io.kvstore.jepsen.checker.CheckResult;
import io.kvstore.jepsen.checker.EphemeralChecker;
import io.kvstore.jepsen.checker.LinearizabilityChecker;
import io.kvstore.jepsen.checker.Outcome;
import io.kvstore.jepsen.checker.SetChecker;
import io.kvstore.jepsen.checker.SetResult;
import io.kvstore.jepsen.checker.Validity;
import io.kvstore.jepsen.checker.WatchChecker;
import io.kvstore.jepsen.cluster.Cluster;
import io.kvstore.jepsen.cluster.LoopbackNetwork;
import io.kvstore.jepsen.cluster.NamespaceNetwork;
import io.kvstore.jepsen.cluster.Network;
import io.kvstore.jepsen.cluster.Target;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.OpType;
import io.kvstore.jepsen.nemesis.Fault;
import io.kvstore.jepsen.nemesis.Nemesis;
import io.kvstore.jepsen.report.HtmlReport;
import io.kvstore.jepsen.report.Json;
import io.kvstore.jepsen.report.Verdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run: network, cluster, workload JVM and nemesis, then the check and the report. Everything it creates
 * (namespaces, processes) is removed at the end, on failure, and from a shutdown hook on Ctrl-C.
 */
public final class Runner {
    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
    /** The check's budget: a minute of ten clients checks in well under a second; this bounds the pathological. */
    private static final Duration CHECK_BUDGET = Duration.ofSeconds(60);

    /** The outcome of a run: the combined verdict, per-checker verdicts, and where the files are. */
    public record Result(Validity valid, List<Verdict> verdicts, Path out, int operations, List<Fault> faults) {
    }

    private final RunConfig config;
    private Network network;
    private Cluster cluster;
    private Process workload;

    public Runner(RunConfig config) {
        this.config = config;
    }

    /**
     * Null when this run can go ahead here, else why not and what to do instead. Namespaces need root and
     * iproute2; the loopback fallback needs nothing but cannot shape traffic, nor partition etcd; etcd needs its
     * binary.
     */
    public static String unavailableReason(RunConfig config) {
        String targetReason = Target.named(config.target(), config.serverClasspath()).unavailableReason();
        if (targetReason != null) {
            return "target " + config.target() + " is not available: " + targetReason;
        }
        if (config.loopback()) {
            if (config.nemeses().contains("netem")) {
                return "the loopback fallback cannot shape traffic (tc netem on lo would slow the whole machine): "
                        + "drop netem from --nemesis, or run with network namespaces";
            }
            return config.nemeses().contains("partition") && !config.target().equals("kvstore")
                    ? "the loopback fallback partitions through per-link TCP proxies, which needs each member to "
                    + "dial its peers at addresses of its own; etcd derives member ids from one shared "
                    + "--initial-cluster, so drop partition from --nemesis or run with network namespaces" : null;
        }
        String reason = NamespaceNetwork.unavailableReason();
        return reason == null ? null : reason + ". Run as root with iproute2, or pass --fallback-loopback (members "
                + "on 127.0.0.1, partitions by TCP proxies between members; kill, pause and corrupt work, netem "
                + "does not)";
    }

    /** Runs; throws {@link IllegalStateException} when the cluster cannot be set up. */
    public Result run() throws IOException, InterruptedException {
        Path out = config.out();
        Files.createDirectories(out.resolve("logs"));
        Thread hook = new Thread(this::teardown, "jepsen-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            network = config.loopback() ? new LoopbackNetwork(config.members()) : new NamespaceNetwork(config.members());
            if (!config.loopback()) {
                NamespaceNetwork.removeStale();
            }
            network.setUp();
            cluster = new Cluster(network, Target.named(config.target(), config.serverClasspath()),
                    config.members(), out.resolve("data"), out.resolve("logs"));
            LOG.info("starting {} members on {}", config.members(), network.kind());
            cluster.startAll();
            long origin = System.nanoTime();
            workload = startWorkload(origin);
            Nemesis nemesis = new Nemesis(cluster, config.nemeses(), config.seed(), () -> System.nanoTime() - origin,
                    new Nemesis.Schedule(config.quiet(), config.hold())).withMembership(new AdminMembership(cluster));
            nemesis.run(config.time());
            // Final reads retry for up to 90 s (the watch workload's history read and catch-up take up to 120 s
            // more); members restarted by the heal are up by then.
            if (!workload.waitFor(config.time().toSeconds() + 270, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the workload did not finish; see " + out.resolve("workload.log"));
            }
            if (workload.exitValue() != 0) {
                throw new IllegalStateException("the workload exited " + workload.exitValue() + "; see "
                        + out.resolve("workload.log"));
            }
            List<Fault> faults = nemesis.faults();
            writeTimeline(out.resolve("timeline.jsonl"), faults);
            History history = History.readJsonLines(out.resolve("history.jsonl"));
            return check(history, faults);
        } finally {
            teardown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run; teardown is idempotent
            }
        }
    }

    private Process startWorkload(long origin) throws IOException {
        List<String> cmd = new ArrayList<>(network.clientPrefix());
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.kvstore.jepsen.workload.WorkloadMain", "--workload", config.workload(),
                "--target", config.target(),
                "--endpoints", String.join(",", cluster.endpoints()), "--time-ms",
                Long.toString(config.time().toMillis()), "--concurrency", Integer.toString(config.concurrency()),
                "--origin-nanos", Long.toString(origin), "--seed", Long.toString(config.seed()),
                "--out", config.out().resolve("history.jsonl").toString()));
        if (config.staleReads()) {
            cmd.add("--stale-reads");
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(config.out().resolve("workload.log").toFile()).start();
    }

    private Result check(History history, List<Fault> faults) throws IOException {
        List<Verdict> verdicts = new ArrayList<>();
        if (config.workload().equals("register")) {
            CheckResult r = new LinearizabilityChecker(LinearizabilityChecker.Options.defaults()
                    .withTimeBudget(CHECK_BUDGET)).check(history);
            long falseKeys = r.keys().values().stream().filter(k -> k.validity() == Validity.FALSE).count();
            verdicts.add(new Verdict("linearizable", r.valid(), r.explanation(), r.counterexample(),
                    r.keys().size() + " keys, " + falseKeys + " not linearizable, checked in "
                            + r.elapsedNanos() / 1_000_000 + " ms"));
        } else if (config.workload().equals("lock")) {
            io.kvstore.jepsen.checker.LockChecker.Result r = new io.kvstore.jepsen.checker.LockChecker()
                    .check(history);
            verdicts.add(new Verdict("lock", r.valid(), r.explanation(), null, r.grants() + " grants, "
                    + r.fencedWrites() + " fenced writes in token order, " + r.staleRejected()
                    + " writes with released tokens rejected"));
        } else if (config.workload().equals("watch")) {
            verdicts.add(verdict("watch", new WatchChecker().check(history)));
        } else if (config.workload().equals("ephemeral")) {
            verdicts.add(verdict("ephemeral", new EphemeralChecker(EphemeralChecker.TTL, EphemeralChecker.GRACE)
                    .check(history)));
        } else {
            SetResult r = new SetChecker("/jepsen/set").check(history);
            verdicts.add(new Verdict("set", r.valid(), r.explanation(), null, r.acknowledgedCount()
                    + " acknowledged adds, " + r.lost().size() + " lost, " + r.unexpected().size() + " unexpected, "
                    + r.indeterminatePresentCount() + " of unknown outcome present, " + r.indeterminateAbsentCount()
                    + " absent"));
        }
        Validity valid = Validity.TRUE;
        for (Verdict v : verdicts) {
            valid = valid.and(v.valid());
        }
        Map<String, Object> summary = summary(history, faults, valid);
        Files.writeString(config.out().resolve("results.json"), Json.write(results(summary, verdicts)) + "\n");
        Files.writeString(config.out().resolve("index.html"), HtmlReport.render(config.title(), summary, verdicts,
                history, faults, config.concurrency()));
        return new Result(valid, verdicts, config.out(), history.calls().size(), faults);
    }

    private static Verdict verdict(String checker, Outcome o) {
        return new Verdict(checker, o.valid(), o.explanation(), o.counterexample(), o.details());
    }

    private Map<String, Object> summary(History history, List<Fault> faults, Validity valid) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("valid", valid.name().toLowerCase(java.util.Locale.ROOT));
        s.put("workload", config.workload());
        s.put("stale_reads", config.staleReads());
        s.put("target", config.target());
        s.put("network", network.kind());
        s.put("nemesis", String.join(",", config.nemeses()));
        s.put("members", config.members());
        s.put("concurrency", config.concurrency());
        s.put("time_s", config.time().toSeconds());
        s.put("seed", config.seed());
        s.put("operations", history.calls().size());
        for (OpType t : List.of(OpType.OK, OpType.FAIL, OpType.INFO)) {
            s.put(t.jsonName(), history.calls().stream().filter(c -> c.outcome() == t).count());
        }
        s.put("faults", faults.size());
        return s;
    }

    private static Map<String, Object> results(Map<String, Object> summary, List<Verdict> verdicts) {
        Map<String, Object> r = new LinkedHashMap<>(summary);
        Map<String, Object> checkers = new LinkedHashMap<>();
        for (Verdict v : verdicts) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("valid", v.valid().name().toLowerCase(java.util.Locale.ROOT));
            c.put("details", v.details());
            c.put("explanation", v.explanation());
            c.put("counterexample", v.counterexample() == null ? null
                    : v.counterexample().ops().stream().map(op -> (Object) new Json.Raw(op.toJson())).toList());
            checkers.put(v.checker(), c);
        }
        r.put("checkers", checkers);
        return r;
    }

    private static void writeTimeline(Path file, List<Fault> faults) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Fault f : faults) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", f.kind());
            m.put("detail", f.detail());
            m.put("members", f.members());
            m.put("start", f.startNanos());
            m.put("end", f.endNanos());
            m.put("outcome", f.outcome());
            out.append(Json.write(m).replaceAll("\\n\\s*", "")).append('\n');
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }

    /** Stops the workload and the members, removes the network and the members' data. Idempotent, never throws. */
    private synchronized void teardown() {
        try {
            if (workload != null && workload.isAlive()) {
                workload.destroyForcibly();
            }
            if (cluster != null) {
                cluster.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("teardown: stopping processes failed", e);
        } finally {
            if (network != null) {
                network.close();
            }
            deleteTree(config.out().resolve("data"));
        }
    }

    /** Deletes {@code dir} and everything below it; logs (never throws) what it could not delete. */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** For a log line: "VALID", "INVALID" or "UNKNOWN". */
    public static String word(Validity v) {
        return v == Validity.TRUE ? "VALID" : v == Validity.FALSE ? "INVALID" : "UNKNOWN";
    }

}
