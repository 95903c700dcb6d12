package io.kvstore.cli.bench;

import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl bench put|get}: throughput and latency of one kind of request against any cluster. See
 * {@link LoadGenerator} for closed and open loop, {@link BenchReport} for the output, docs/benchmarks.md for how
 * the published figures were taken.
 *
 * <p>For {@code get} it first writes every key of the key space once (not measured). It prints nothing while it
 * runs. The exit code is 0 when every measured request succeeded, 1 when some failed (the report is printed
 * either way), 2 for bad usage.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures put or get throughput and latency with closed-loop clients, or watch delivery.",
            "watch: --watchers SUBTREE watches on --prefix receive --requests puts made by --clients writers; "
                + "latency is send-to-delivery per event, throughput is delivered events per second, requests "
                + "counts expected deliveries (writes x watchers) and unsent those that did not arrive within "
                + "--duration. Progress is shown on a terminal."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl bench put --clients 64 --requests 100000             # 64 closed-loop clients",
            "  kvctl bench lock --requests 2000 --waiters 64              # lock latency, then handoff",
            "  kvctl bench get --clients 1 --requests 20000 --warmup 5000 # linearizable reads",
            "  kvctl bench put --clients 16 --target-rate 2000 -o json    # open loop at 2000/s",
            "  kvctl bench watch --watchers 100 --clients 4 --requests 2000  # 200,000 deliveries"})
public final class BenchCommand implements java.util.concurrent.Callable<Integer> {
    /** Workers share the client's write lanes, one each, and a client allows at most 1024. */
    private static final int CLIENTS_MAX = 1024;
    /** A bench is a few minutes at most; a billion requests is a typo. */
    private static final long REQUESTS_MAX = 100_000_000L;
    /** Keys are created one by one for get, and listed in memory: a million is plenty for a config store. */
    private static final int KEY_SPACE_MAX = 1_000_000;
    /** The store's own value limit (1 MiB). */
    private static final int VALUE_BYTES_MAX = 1 << 20;
    /** Keys written at once when filling the key space for get. */
    private static final int FILL_BATCH = 64;
    /** Watches per bench: each is a listener and a server-side watch; 10,000 is what WatchBench measured. */
    private static final int WATCHERS_MAX = 10_000;

    enum Kind { put, get, lock, watch }

    enum Format { text, json }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "put|get|lock|watch",
            description = "What to measure: put (overwrites), get, lock (uncontended acquire+release, then handoff "
                    + "latency among --waiters; see LockBench), or watch (delivery of puts to --watchers watches: "
                    + "latency from send to delivery, throughput in delivered events/s).")
    Kind kind;
    @ParentCommand
    io.kvstore.cli.Kvctl root;
    /** --endpoints, --timeout (per request, retries included), TLS and --user: the same as every other command. */
    @Mixin
    io.kvstore.cli.ConnectionOptions connection;
    @Option(names = "--clients", paramLabel = "N", defaultValue = "1",
            description = "Concurrent clients, each with one request in flight (default: ${DEFAULT-VALUE}).")
    int clients;
    @Option(names = "--connections", paramLabel = "N", defaultValue = "1",
            description = "KvClient instances (gRPC connections per member) the clients are spread over "
                    + "(default: ${DEFAULT-VALUE}).")
    int connections;
    @Option(names = "--requests", paramLabel = "N", defaultValue = "10000",
            description = "Measured requests over all clients (default: ${DEFAULT-VALUE}).")
    long requests;
    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0",
            description = "Requests sent first and not measured, to warm up JITs and connections "
                    + "(default: ${DEFAULT-VALUE}).")
    long warmup;
    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "60s",
            description = "Stop the measured phase after this long even if requests remain, e.g. 30s, 2m "
                    + "(default: ${DEFAULT-VALUE}).")
    String duration;
    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "256",
            description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    int valueBytes;
    @Option(names = "--key-space", paramLabel = "K", defaultValue = "1000",
            description = "Distinct keys, chosen uniformly (default: ${DEFAULT-VALUE}).")
    int keySpace;
    @Option(names = "--prefix", paramLabel = "PATH", defaultValue = "/bench",
            description = "Parent znode of the keys (default: ${DEFAULT-VALUE}).")
    String prefix;
    @Option(names = "--target-rate", paramLabel = "R", defaultValue = "0",
            description = "Open loop: requests per second over all clients, latency from each request's intended "
                    + "start (0, the default: closed loop).")
    double targetRate;
    @Option(names = "--watchers", paramLabel = "N", defaultValue = "10",
            description = "watch: SUBTREE watches on --prefix, spread over --connections (default: ${DEFAULT-VALUE}).")
    int watchers;
    @Option(names = "--serializable", description = "get: read the contacted member's state (may be stale).")
    boolean serializable;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    // --- lock (LockBench) ---
    @Option(names = "--waiters", paramLabel = "N", defaultValue = "64",
            description = "lock: clients contending for the lock in the handoff phase (default: ${DEFAULT-VALUE}).")
    int waiters;
    @Option(names = "--lock-name", paramLabel = "NAME", defaultValue = "bench",
            description = "lock: base name of the locks used (default: ${DEFAULT-VALUE}).")
    String lockName;

    @Override
    public Integer call() throws InterruptedException {
        Duration measuredMax = duration("--duration", duration);
        validate();
        List<String> endpointList = connection.endpoints(root.env());
        if (kind == Kind.lock) {
            check(waiters >= 2 && waiters <= CLIENTS_MAX, "--waiters must be in [2, " + CLIENTS_MAX + "]");
            return LockBench.run(connection.builder(root.env()), endpointList, waiters, requests, measuredMax,
                    lockName, format == Format.json, spec.commandLine().getOut());
        }
        List<String> keys = keys();
        byte[] value = new byte[valueBytes];
        new Random(valueBytes).nextBytes(value);
        int lanesPerConnection = (clients + connections - 1) / connections;
        List<KvClient> kvs = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kvctl-bench-timer");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (int i = 0; i < connections; i++) {
                kvs.add(connection.builder(root.env()).writeLanes(Math.max(1, lanesPerConnection)).build());
            }
            prepare(kvs.get(0), keys, value);
            if (kind == Kind.watch) {
                return watch(endpointList, kvs, keys, measuredMax);
            }
            LoadGenerator.Workload workload = kind == Kind.put ? LoadGenerator.Workload.PUT
                    : serializable ? LoadGenerator.Workload.GET_SERIALIZABLE : LoadGenerator.Workload.GET_LINEARIZABLE;
            LoadGenerator load = new LoadGenerator(workload, kvs, keys, value, timer);
            if (warmup > 0) {
                load.run(clients, warmup, targetRate, measuredMax.toNanos());
            }
            io.kvstore.cli.Progress progress = io.kvstore.cli.Progress.start(spec.commandLine().getErr(),
                    "requests", requests);
            java.util.concurrent.ScheduledFuture<?> redraw = timer.scheduleAtFixedRate(
                    () -> progress.update(load.completed()), 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
            LoadGenerator.PhaseResult result = load.run(clients, requests, targetRate, measuredMax.toNanos());
            redraw.cancel(false);
            progress.finish(load.completed());
            BenchReport report = new BenchReport(kind.name(), endpointList, clients, connections, valueBytes,
                    keySpace, kind == Kind.get && serializable ? "serializable" : "linearizable", targetRate, warmup,
                    requests, result);
            PrintWriter out = spec.commandLine().getOut();
            if (format == Format.json) {
                out.println(report.json());
            } else {
                out.print(report.text());
            }
            out.flush();
            return result.errors() == 0 && result.unsent() == 0 ? 0 : 1;
        } finally {
            kvs.forEach(KvClient::close);
            timer.shutdownNow();
        }
    }

    /** bench watch: see {@link WatchLoad}; reported with the same report, counting deliveries. */
    private int watch(List<String> endpointList, List<KvClient> kvs, List<String> keys, Duration measuredMax)
            throws InterruptedException {
        check(targetRate == 0, "--target-rate applies to put and get only");
        check(watchers >= 1 && watchers <= WATCHERS_MAX, "--watchers must be in [1, " + WATCHERS_MAX + "]");
        WatchLoad load = new WatchLoad(kvs, keys, valueBytes);
        if (warmup > 0) {
            load.run(prefix, watchers, clients, warmup, measuredMax.toNanos(), n -> { });
        }
        io.kvstore.cli.Progress progress = io.kvstore.cli.Progress.start(
                spec.commandLine().getErr(), "delivered", requests * watchers);
        LoadGenerator.PhaseResult result = load.run(prefix, watchers, clients, requests, measuredMax.toNanos(),
                progress::update);
        progress.finish(result.ok());
        BenchReport report = new BenchReport("watch", endpointList, clients, connections, valueBytes, keySpace,
                watchers + " watchers, " + requests + " writes", 0, warmup, requests * watchers, result);
        PrintWriter out = spec.commandLine().getOut();
        out.print(format == Format.json ? report.json() + "\n" : report.text());
        out.flush();
        return result.errors() == 0 && result.unsent() == 0 ? 0 : 1;
    }

    private void validate() {
        check(clients >= 1 && clients <= CLIENTS_MAX, "--clients must be in [1, " + CLIENTS_MAX + "]");
        check(connections >= 1 && connections <= clients, "--connections must be in [1, --clients]");
        check(requests >= 1 && requests <= REQUESTS_MAX, "--requests must be in [1, " + REQUESTS_MAX + "]");
        check(warmup >= 0 && warmup <= REQUESTS_MAX, "--warmup must be in [0, " + REQUESTS_MAX + "]");
        check(valueBytes >= 0 && valueBytes <= VALUE_BYTES_MAX, "--value-size must be in [0, " + VALUE_BYTES_MAX
                + "]");
        check(keySpace >= 1 && keySpace <= KEY_SPACE_MAX, "--key-space must be in [1, " + KEY_SPACE_MAX + "]");
        check(targetRate >= 0 && !Double.isNaN(targetRate) && !Double.isInfinite(targetRate),
                "--target-rate must be >= 0");
        check(!serializable || kind == Kind.get, "--serializable applies to get only");
        check(prefix.startsWith("/") && !prefix.endsWith("/"), "--prefix must be an absolute path without a "
                + "trailing /");
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>(keySpace);
        for (int i = 0; i < keySpace; i++) {
            keys.add(String.format("%s/k%07d", prefix, i));
        }
        return keys;
    }

    /** Creates the prefix; for get, writes every key once, FILL_BATCH at a time. */
    private void prepare(KvClient kv, List<String> keys, byte[] value) {
        kv.put(keys.get(0), value, PutOptions.DEFAULT.withMakeParents());
        if (kind != Kind.get) {
            return;
        }
        AtomicInteger next = new AtomicInteger(1);
        List<CompletableFuture<?>> batch = new ArrayList<>(FILL_BATCH);
        // Bounded: each round writes up to FILL_BATCH of the remaining keys.
        while (next.get() < keys.size()) {
            batch.clear();
            for (int i = 0; i < FILL_BATCH && next.get() < keys.size(); i++) {
                batch.add(kv.putAsync(keys.get(next.getAndIncrement()), value, PutOptions.DEFAULT));
            }
            try {
                CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException e) {
                // kvctl's error handler names KvException subclasses: hand it the client's exception itself.
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private Duration duration(String option, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new ParameterException(spec.commandLine(), option + ": '" + text
                    + "' is not a positive duration like 500ms, 30s or 2m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }
}
