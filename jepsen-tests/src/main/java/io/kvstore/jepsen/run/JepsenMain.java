package io.kvstore.jepsen.run;

import io.kvstore.jepsen.checker.Validity;
import io.kvstore.jepsen.nemesis.Fault;
import io.kvstore.jepsen.report.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/**
 * The command line behind {@code jepsen-tests/bin/run}. Exit codes: 0 valid, 1 invalid, 3 unknown, 2 usage error
 * or the environment cannot run it (the message says why and what to do), 4 the run itself broke.
 */
public final class JepsenMain {
    private static final String USAGE = """
            usage: jepsen-tests/bin/run [--workload register|set|watch|ephemeral|lock]
                   [--nemesis partition,kill,pause,netem,corrupt,member|none]
                   [--nodes 5] [--time 60s] [--concurrency 10] [--target kvstore|etcd] [--stale-reads]
                   [--fallback-loopback] [--out DIR] [--seed N] [--quiet 3s] [--hold 5s]""";

    private JepsenMain() {
    }

    public static void main(String[] args) {
        RunConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("jepsen: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        String reason = Runner.unavailableReason(config);
        if (reason != null) {
            System.err.println("jepsen: cannot run here: " + reason);
            System.exit(2);
        }
        try {
            Runner.Result r = new Runner(config).run();
            System.out.println("jepsen: " + config.title());
            System.out.println("jepsen: " + r.operations() + " operations, " + r.faults().size() + " faults");
            for (Fault f : r.faults()) {
                System.out.printf("jepsen:   %6.1fs-%6.1fs %s %s %s%n", f.startNanos() / 1e9, f.endNanos() / 1e9,
                        f.kind(), f.detail(), f.outcome());
            }
            for (Verdict v : r.verdicts()) {
                System.out.println("jepsen: " + v.checker() + " " + Runner.word(v.valid()) + ": " + v.details());
                if (!v.explanation().isEmpty()) {
                    System.out.println("jepsen:   " + v.explanation().replace("\n", "\njepsen:   "));
                }
            }
            System.out.println("jepsen: " + Runner.word(r.valid()) + "; report " + r.out().resolve("index.html"));
            System.exit(r.valid() == Validity.TRUE ? 0 : r.valid() == Validity.FALSE ? 1 : 3);
        } catch (IOException | RuntimeException e) {
            System.err.println("jepsen: the run failed: " + e);
            e.printStackTrace();
            System.exit(4);
        } catch (InterruptedException e) {
            System.exit(4);
        }
    }

    static RunConfig parse(String[] args) {
        String workload = "register";
        List<String> nemeses = List.of("partition");
        int nodes = 5;
        Duration time = Duration.ofSeconds(60);
        int concurrency = 10;
        String target = "kvstore";
        boolean stale = false;
        boolean loopback = false;
        Path out = null;
        long seed = System.currentTimeMillis();
        Duration quiet = Duration.ofSeconds(3);
        Duration hold = Duration.ofSeconds(5);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--stale-reads" -> stale = true;
                case "--fallback-loopback" -> loopback = true;
                case "-h", "--help" -> throw new IllegalArgumentException("help");
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--workload" -> workload = v;
                        case "--nemesis" -> nemeses = v.equals("none") ? List.of() : Arrays.asList(v.split(","));
                        case "--nodes" -> nodes = Integer.parseInt(v);
                        case "--time" -> time = duration(v);
                        case "--concurrency" -> concurrency = Integer.parseInt(v);
                        case "--target" -> target = v;
                        case "--out" -> out = Path.of(v);
                        case "--seed" -> seed = Long.parseLong(v);
                        case "--quiet" -> quiet = duration(v);
                        case "--hold" -> hold = duration(v);
                        default -> throw new IllegalArgumentException("unknown flag " + a);
                    }
                }
            }
        }
        if (out == null) {
            out = Path.of(System.getProperty("jepsen.runs", "jepsen-tests/target/runs"))
                    .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return new RunConfig(workload, nemeses, nodes, time, concurrency, target, stale, loopback,
                out.toAbsolutePath(), seed, serverClasspath(), quiet, hold);
    }

    /** "60s", "2m", "1500ms" or a number of seconds. */
    static Duration duration(String s) {
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration (60s, 2m, 1500ms): " + s);
        }
    }

    /** The server's classes and runtime classpath, as bin/kvserver finds them (-Dkvstore.root, default "."). */
    static String serverClasspath() {
        Path module = Path.of(System.getProperty("kvstore.root", ".")).resolve("kvstore/server/target");
        Path file = module.resolve("classpath.txt");
        try {
            return module.resolve("classes") + ":" + Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("the server is not built (missing " + file
                    + "); run mvn -q -B package -DskipTests");
        }
    }
}
