package io.kvstore.jepsen.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link StoreClient} over etcd v3's JSON gateway (the gRPC API as HTTP POSTs: {@code /v3/kv/range}, {@code put},
 * {@code txn}, {@code /v3/watch} as a stream of JSON lines, {@code /v3/lease/...}), with java.net.http and no
 * dependency. Chosen over io.etcd:jetcd-core because jetcd 0.8 brings Vert.x 4.5's gRPC on Netty 4.1, which clashes
 * with the grpc-java 1.85 / Netty 4.2 this module's kvstore client pins in the same workload JVM; the gateway is
 * served by etcd-server itself (3.4 has it on the client port), so nothing else is needed.
 *
 * <p>Keys and values are base64 in the gateway's JSON; 64-bit integers are strings. A compare-and-set is a txn on
 * the key's {@code mod_revision} (the version token of {@link Versioned}); a create is a txn on
 * {@code create_revision == 0}. Ephemeral keys are bound to a lease kept alive by a thread of this client.
 *
 * <p>Endpoints are tried in order, moving on only when the connection is refused (nothing was sent, so the call
 * can be repeated safely) until the retry deadline; any other failure ends the call (unknown outcome for writes)
 * and makes the next call start at the next endpoint, so a client (or a lease's keepalives) stuck on a member cut
 * off from the leader moves on, as etcd's own clients do.
 */
public final class EtcdClient implements StoreClient {
    private final List<String> endpoints;
    private final Duration requestTimeout;
    private final Duration retryDeadline;
    private final HttpClient http;
    private volatile int preferred;

    /**
     * @param endpoints host:port of members' client URLs (plain HTTP), tried in order
     */
    public EtcdClient(List<String> endpoints, Duration requestTimeout, Duration retryDeadline) {
        this.endpoints = List.copyOf(endpoints);
        this.requestTimeout = requestTimeout;
        this.retryDeadline = retryDeadline;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(requestTimeout)
                .build();
    }

    @Override
    public Optional<Versioned> read(String key, boolean linearizable) {
        Map<String, Object> r = post("/v3/kv/range", "{\"key\":\"" + b64(key) + "\""
                + (linearizable ? "" : ",\"serializable\":true") + "}");
        Object kvs = r.get("kvs");
        if (!(kvs instanceof List<?> list) || list.isEmpty()) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> kv = (Map<String, Object>) list.get(0);
        return Optional.of(new Versioned(Long.parseLong(unb64((String) kv.get("value"))),
                MiniJson.integer(kv, "mod_revision"), MiniJson.integer(kv, "mod_revision")));
    }

    @Override
    public long write(String key, long value) {
        Map<String, Object> r = post("/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
        return MiniJson.integer(MiniJson.object(r, "header"), "revision");
    }

    @Override
    public void compareAndSet(String key, long version, long value) {
        txn(key, "\"target\":\"MOD\",\"mod_revision\":\"" + version + "\"", value, 0, "VERSION_MISMATCH");
    }

    @Override
    public void create(String key, long value) {
        try {
            txn(key, "\"target\":\"CREATE\",\"create_revision\":\"0\"", value, 0, "EXISTS");
        } catch (StoreException e) {
            if (!e.error().equals("EXISTS")) {
                throw e; // an existing key: each element is added once, so it exists through this very call
            }
        }
    }

    private void txn(String key, String compare, long value, long lease, String refused) {
        Map<String, Object> r = post("/v3/kv/txn", "{\"compare\":[{\"key\":\"" + b64(key) + "\",\"result\":\"EQUAL\","
                + compare + "}],\"success\":[{\"request_put\":{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value)
                + "\"" + (lease == 0 ? "" : ",\"lease\":\"" + lease + "\"") + "}}]}");
        if (!Boolean.TRUE.equals(r.get("succeeded"))) {
            throw new StoreException(true, refused, null);
        }
    }

    @Override
    public List<String> list(String prefix) {
        String from = prefix + "/";
        Map<String, Object> r = post("/v3/kv/range", "{\"key\":\"" + b64(from) + "\",\"range_end\":\""
                + b64(prefix + "0") + "\",\"keys_only\":true}"); // '0' follows '/': every key under prefix/
        List<String> names = new ArrayList<>();
        if (r.get("kvs") instanceof List<?> kvs) {
            for (Object o : kvs) {
                @SuppressWarnings("unchecked")
                String k = unb64((String) ((Map<String, Object>) o).get("key"));
                String name = k.substring(from.length());
                if (!name.contains("/")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    @Override
    public Handle watch(String prefix, long fromRevision, WatchSink sink) {
        EtcdWatch w = new EtcdWatch(prefix, fromRevision, sink);
        Thread t = new Thread(w::run, "etcd-watch " + prefix);
        t.setDaemon(true);
        t.start();
        return w::close;
    }

    @Override
    public Handle ephemeral(String key, long value, Duration ttl) {
        Map<String, Object> g = post("/v3/lease/grant", "{\"TTL\":\"" + Math.max(1, ttl.toSeconds()) + "\"}");
        long lease = MiniJson.integer(g, "ID");
        if (lease == 0) {
            throw new StoreException(true, "no lease granted: " + g, null);
        }
        txn(key, "\"target\":\"CREATE\",\"create_revision\":\"0\"", value, lease, "EXISTS");
        // Every TTL/3, as etcd's clientv3 does; after a failure again at once on the next member (post() moved on),
        // so one member that is paused or cut off costs one request timeout, not the lease.
        Thread keeper = new Thread(() -> {
            long interval = Math.max(100, ttl.toMillis() / 3);
            while (!Thread.currentThread().isInterrupted()) { // ends when the handle is closed
                try {
                    Thread.sleep(interval);
                    post("/v3/lease/keepalive", "{\"ID\":\"" + lease + "\"}");
                    interval = Math.max(100, ttl.toMillis() / 3);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    interval = 50; // the lease lives on the server until its TTL: retry soon elsewhere
                }
            }
        }, "etcd-lease " + lease);
        keeper.setDaemon(true);
        keeper.start();
        return () -> {
            keeper.interrupt();
            try {
                post("/v3/lease/revoke", "{\"ID\":\"" + lease + "\"}");
            } catch (StoreException e) {
                // the lease expires by itself after its TTL
            }
        };
    }

    @Override
    public void close() {
        // java.net.http's client has no close before Java 21; its threads are daemons
    }

    /** One call: the first endpoint that accepts the connection, from the one that answered last. */
    private Map<String, Object> post(String path, String body) {
        long deadline = System.nanoTime() + retryDeadline.toNanos();
        int start = preferred;
        for (int attempt = 0; ; attempt++) {
            int e = (start + attempt) % endpoints.size();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + endpoints.get(e) + path))
                    .timeout(requestTimeout).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            try {
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                preferred = e;
                @SuppressWarnings("unchecked")
                Map<String, Object> json = (Map<String, Object>) MiniJson.parse(resp.body());
                if (resp.statusCode() != 200 || json.containsKey("error")) {
                    throw grpcError(json, resp.statusCode());
                }
                return json;
            } catch (ConnectException refused) {
                if (System.nanoTime() - deadline > 0) {
                    throw new StoreException(true, "connection refused", refused);
                }
                pause(attempt >= endpoints.size() ? 100 : 0);
            } catch (HttpTimeoutException timeout) {
                preferred = (e + 1) % endpoints.size(); // a member cut off from the leader: try the next one next
                throw new StoreException(false, "timeout", timeout);
            } catch (IOException io) {
                preferred = (e + 1) % endpoints.size();
                throw new StoreException(false, io.getClass().getSimpleName(), io);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new StoreException(false, "interrupted", ie);
            } catch (IllegalArgumentException | ClassCastException bad) {
                throw new StoreException(false, "bad answer: " + bad.getMessage(), bad);
            }
        }
    }

    /**
     * The gateway's error: {"error"|"message": text, "code": gRPC code}. INVALID_ARGUMENT (3), NOT_FOUND (5),
     * ALREADY_EXISTS (6), FAILED_PRECONDITION (9) and OUT_OF_RANGE (11) are refusals; anything else (request timed
     * out, leader changed, no leader: UNAVAILABLE 14 and friends) may or may not have been applied.
     */
    private static StoreException grpcError(Map<String, Object> json, int status) {
        long code = MiniJson.integer(json, "code");
        Object text = json.containsKey("message") ? json.get("message") : json.get("error");
        boolean refused = code == 3 || code == 5 || code == 6 || code == 9 || code == 11;
        return new StoreException(refused, "etcd " + code + " (HTTP " + status + "): " + text, null);
    }

    private static void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
    }

    private static String b64(long v) {
        return b64(Long.toString(v));
    }

    static String unb64(String s) {
        return s == null ? "" : new String(Base64.getDecoder().decode(s), UTF_8);
    }

    /**
     * A watch over the gateway's {@code /v3/watch} stream: one JSON object per line. On a lost stream it reconnects
     * to the next endpoint from the last delivered revision + 1 (what jetcd and kvstore's Watcher do), so
     * deliveries never go back in revision by construction of this client, and any gap or repeat is the server's.
     */
    private final class EtcdWatch {
        private final String prefix;
        private final WatchSink sink;
        private final AtomicReference<InputStream> stream = new AtomicReference<>();
        private volatile boolean closed;
        private long next;

        EtcdWatch(String prefix, long fromRevision, WatchSink sink) {
            this.prefix = prefix;
            this.next = Math.max(1, fromRevision);
            this.sink = sink;
        }

        void run() {
            int e = preferred;
            while (!closed) { // ends when closed or the watch ends for good
                String body = "{\"create_request\":{\"key\":\"" + b64(prefix + "/") + "\",\"range_end\":\""
                        + b64(prefix + "0") + "\",\"start_revision\":\"" + next + "\"}}";
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + endpoints.get(e) + "/v3/watch"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                try {
                    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                    stream.set(resp.body());
                    if (closed) {
                        break;
                    }
                    if (readStream(resp.body())) {
                        return;
                    }
                } catch (IOException | RuntimeException ex) {
                    // member down or stream cut: the next member, from the next revision
                } catch (InterruptedException ie) {
                    return;
                }
                e = (e + 1) % endpoints.size();
                pause(200);
            }
        }

        /** Reads one stream; true when the watch ended for good. */
        private boolean readStream(InputStream in) throws IOException {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) { // ends with the stream
                    if (line.isBlank()) {
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> msg = (Map<String, Object>) MiniJson.parse(line);
                    Map<String, Object> result = MiniJson.object(msg, "result");
                    long compacted = MiniJson.integer(result, "compact_revision");
                    if (compacted != 0) {
                        sink.ended("compacted: history starts at " + compacted);
                        return true;
                    }
                    if (msg.containsKey("error") || Boolean.TRUE.equals(result.get("canceled"))) {
                        return false; // reconnect
                    }
                    deliver(result);
                }
            }
            return false;
        }

        @SuppressWarnings("unchecked")
        private void deliver(Map<String, Object> result) {
            if (!(result.get("events") instanceof List<?> events) || events.isEmpty()) {
                return;
            }
            List<Change> batch = new ArrayList<>();
            for (Object o : events) {
                Map<String, Object> ev = (Map<String, Object>) o;
                if ("DELETE".equals(ev.get("type"))) {
                    continue;
                }
                Map<String, Object> kv = MiniJson.object(ev, "kv");
                long rev = MiniJson.integer(kv, "mod_revision");
                if (!batch.isEmpty() && batch.get(0).revision() != rev) {
                    sink.changes(List.copyOf(batch));
                    batch.clear();
                }
                batch.add(new Change(rev, unb64((String) kv.get("key")),
                        Long.parseLong(unb64((String) kv.get("value")))));
                next = rev + 1;
            }
            if (!batch.isEmpty()) {
                sink.changes(batch);
            }
        }

        void close() {
            closed = true;
            InputStream in = stream.get();
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
