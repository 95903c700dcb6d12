package io.kvstore.jepsen.workload;

import io.kvstore.client.KvClient;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The workload client as its own JVM, so that it can run inside the client's network namespace
 * ({@code ip netns exec <client-ns> java ...}): a JVM cannot move its threads into another namespace. The harness
 * starts it, passes the cluster's client addresses and its clock origin, and reads the history it writes.
 *
 * <pre>
 * java -cp ... io.kvstore.jepsen.workload.WorkloadMain --workload register|set|watch|ephemeral|lock
 *     --endpoints h:p,h:p,... --time-ms 60000 --concurrency 10 --origin-nanos N --seed S --out history.jsonl
 *     [--target kvstore|etcd] [--stale-reads]
 * </pre>
 *
 * Exit 0 when the history was written (whatever it contains), 2 for bad arguments.
 */
public final class WorkloadMain {
    private WorkloadMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = parse(args);
        List<String> endpoints = Arrays.asList(flags.get("endpoints").split(","));
        Duration time = Duration.ofMillis(Long.parseLong(flags.get("time-ms")));
        int concurrency = Integer.parseInt(flags.get("concurrency"));
        long seed = Long.parseLong(flags.getOrDefault("seed", "1"));
        boolean staleReads = flags.containsKey("stale-reads");
        HistoryRecorder recorder = new HistoryRecorder(System::nanoTime, Long.parseLong(flags.get("origin-nanos")));
        // Workloads written against StoreClient run against any --target (kvstore, etcd).
        StoreWorkload storeWorkload = switch (flags.get("workload")) {
            case "register" -> new RegisterWorkload(staleReads);
            case "set" -> new SetWorkload();
            case "watch" -> new WatchWorkload();
            case "ephemeral" -> new EphemeralWorkload();
            default -> null;
        };
        if (storeWorkload != null) {
            storeWorkload.run(new StoreWorkload.Stores(flags.getOrDefault("target", "kvstore")), endpoints, recorder,
                    concurrency, time, seed);
            finish(flags, recorder);
            return;
        }
        // Workloads that need kvstore's own client (KvClient) and target kvstore only.
        Workload workload = switch (flags.get("workload")) {
            case "lock" -> new LockWorkload();
            default -> null;
        };
        if (workload == null) {
            usage("unknown workload " + flags.get("workload"));
            return;
        }
        List<KvClient> clients = new ArrayList<>();
        try {
            // Process t talks to member t mod n first, as Jepsen binds each client to one node.
            for (int m = 0; m < endpoints.size(); m++) {
                clients.add(workload.client(endpoints, m));
            }
            workload.run(clients, endpoints, recorder, concurrency, time, seed);
        } finally {
            clients.forEach(KvClient::close);
        }
        finish(flags, recorder);
    }

    private static void finish(Map<String, String> flags, HistoryRecorder recorder) throws java.io.IOException {
        var history = recorder.history();
        history.writeJsonLines(Path.of(flags.get("out")));
        System.out.println("workload " + flags.get("workload") + " done: " + history.size() + " events");
        System.exit(0); // gRPC's threads are daemons, but do not wait on stragglers
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                usage("unexpected argument " + args[i]);
            }
            String name = args[i].substring(2);
            if (name.equals("stale-reads")) {
                flags.put(name, "true");
            } else if (i + 1 < args.length) {
                flags.put(name, args[++i]);
            } else {
                usage("--" + name + " needs a value");
            }
        }
        for (String required : List.of("workload", "endpoints", "time-ms", "concurrency", "origin-nanos", "out")) {
            if (!flags.containsKey(required)) {
                usage("missing --" + required);
            }
        }
        return flags;
    }

    private static void usage(String problem) {
        System.err.println("workload: " + problem);
        System.exit(2);
    }
}
