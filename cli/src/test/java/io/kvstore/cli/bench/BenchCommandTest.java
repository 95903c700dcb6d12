package io.kvstore.cli.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.cli.Kvctl;
import io.kvstore.client.KvClient;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** kvctl bench against one real KvServer in this JVM, with tiny counts: output shape, counts, exit codes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BenchCommandTest {
    private KvServer server;
    private String endpoint;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        HostPort peer;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            peer = new HostPort("127.0.0.1", socket.getLocalPort());
        }
        server = KvServer.start(new ServerConfig("n1", dir, new HostPort("127.0.0.1", 0), peer, Map.of("n1", peer),
                "bench-test"));
        endpoint = server.clientAddress().toString();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void putTextReportHasEveryLineAndTheCounts() {
        Run run = kvctl("bench", "put", "--endpoints", endpoint, "--clients", "4", "--requests", "40", "--warmup",
                "8", "--key-space", "5", "--value-size", "16", "--prefix", "/bt/put");
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        for (String name : List.of("workload", "endpoints", "clients", "value_bytes", "key_space", "warmup",
                "requests", "elapsed_s", "throughput", "latency_ms", "histogram_ms")) {
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name) + " +\\S").matcher(out).find(),
                    name + " line in:\n" + out);
        }
        assertTrue(out.contains("workload      put (linearizable)"), out);
        assertTrue(out.contains("clients       4 on 1 connection, closed-loop"), out);
        assertTrue(out.contains("requests      40 (ok 40, errors 0, unsent 0)"), out);
        Matcher latency = Pattern.compile("(?m)^latency_ms +p50 ([0-9.]+) +p90 ([0-9.]+) +p99 ([0-9.]+) +"
                + "p99\\.9 ([0-9.]+) +max ([0-9.]+) +mean ([0-9.]+)$").matcher(out);
        assertTrue(latency.find(), out);
        double p50 = Double.parseDouble(latency.group(1));
        double max = Double.parseDouble(latency.group(5));
        assertTrue(p50 > 0 && p50 <= max, out);
        long bucketed = Pattern.compile("(?m)^  <= +[0-9.]+ +(\\d+) +[0-9.]+%$").matcher(out).results()
                .mapToLong(m -> Long.parseLong(m.group(1))).sum();
        assertEquals(40, bucketed, "histogram buckets add up to the measured requests:\n" + out);
        try (KvClient kv = KvClient.builder().endpoints(endpoint).build()) {
            // 5 keys, 48 puts each picking one of them: at most 5 znodes, and the 48 puts all happened.
            List<String> names = kv.list("/bt/put");
            assertTrue(!names.isEmpty() && names.size() <= 5, names.toString());
            long versions = 0;
            for (String name : names) {
                versions += kv.get("/bt/put/" + name).stat().version();
            }
            assertEquals(1 + 8 + 40, versions, "the prefix put, the warm-up and the measured puts");
        }
    }

    @Test
    void watchCountsEveryDeliveryToEveryWatcher() {
        Run run = kvctl("bench", "watch", "--endpoints", endpoint, "--watchers", "3", "--clients", "2",
                "--requests", "20", "--key-space", "4", "--value-size", "8", "--prefix", "/bt/watch", "-o", "json");
        assertEquals(0, run.code(), run.err());
        String json = run.out().trim();
        // 20 writes seen by 3 watchers: 60 deliveries, each with a latency.
        for (String field : List.of("\"workload\":\"watch\"", "\"requests\":60", "\"ok\":60", "\"errors\":0",
                "\"unsent\":0", "\"consistency\":\"3 watchers, 20 writes\"")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        long bucketed = Pattern.compile("\"count\":(\\d+)").matcher(json).results()
                .mapToLong(m -> Long.parseLong(m.group(1))).sum();
        assertEquals(60, bucketed, json);
        assertEquals(2, kvctl("bench", "watch", "--endpoints", endpoint, "--watchers", "0").code());
    }

    @Test
    void getJsonReportIsOneObjectWithTheCounts() {
        Run run = kvctl("bench", "get", "--endpoints", endpoint, "--clients", "3", "--connections", "2",
                "--requests", "30", "--key-space", "7", "-o", "json", "--prefix", "/bt/get");
        assertEquals(0, run.code(), run.err());
        String json = run.out().trim();
        assertTrue(json.startsWith("{") && json.endsWith("}") && !json.contains("\n"), json);
        for (String field : List.of("\"workload\":\"get\"", "\"consistency\":\"linearizable\"", "\"clients\":3",
                "\"connections\":2", "\"requests\":30", "\"ok\":30", "\"errors\":0", "\"unsent\":0",
                "\"errorsByReason\":{}", "\"keySpace\":7", "\"valueBytes\":256")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        assertTrue(Pattern.compile("\"latencyMillis\":\\{\"p50\":[0-9.]+,\"p90\":[0-9.]+,\"p99\":[0-9.]+,"
                + "\"p99.9\":[0-9.]+,\"max\":[0-9.]+,\"mean\":[0-9.]+}").matcher(json).find(), json);
        assertTrue(Pattern.compile("\"throughputPerSecond\":[0-9.]+").matcher(json).find(), json);
        try (KvClient kv = KvClient.builder().endpoints(endpoint).build()) {
            assertEquals(7, kv.list("/bt/get").size(), "get fills the whole key space first");
        }
    }

    @Test
    void openLoopSerializableGetsAtATargetRate() {
        Run run = kvctl("bench", "get", "--endpoints", endpoint, "--clients", "2", "--requests", "20",
                "--target-rate", "200", "--serializable", "--prefix", "/bt/open");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("workload      get (serializable)"), run.out());
        assertTrue(run.out().contains("clients       2 on 1 connection, open-loop 200/s"), run.out());
        Matcher elapsed = Pattern.compile("(?m)^elapsed_s +([0-9.]+)$").matcher(run.out());
        assertTrue(elapsed.find(), run.out());
        // 20 requests at 200/s: the last is intended 95 ms after the start, so the run cannot be faster.
        assertTrue(Double.parseDouble(elapsed.group(1)) >= 0.095, run.out());
    }

    @Test
    void badUsageIsExitTwoWithTheOptionNamed() {
        Run run = kvctl("bench", "put", "--endpoints", endpoint, "--clients", "0");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--clients"), run.err());
        Run serializablePut = kvctl("bench", "put", "--endpoints", endpoint, "--serializable");
        assertEquals(2, serializablePut.code());
        assertTrue(serializablePut.err().contains("--serializable"), serializablePut.err());
        Run duration = kvctl("bench", "put", "--endpoints", endpoint, "--duration", "soon");
        assertEquals(2, duration.code());
        assertTrue(duration.err().contains("--duration"), duration.err());
    }

    @Test
    void unreachableClusterIsUnavailable() {
        Run run = kvctl("bench", "put", "--endpoints", "127.0.0.1:1", "--requests", "2", "--timeout", "300ms");
        assertEquals(5, run.code(), "the setup put finds no member: " + run.err());
        assertTrue(run.err().startsWith("kvctl: unavailable"), run.err());
    }

    private static Run kvctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Kvctl.execute(args, Map.of(), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
    }
}
