package io.kvstore.jepsen.workload;

import io.kvstore.jepsen.checker.EphemeralChecker;
import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import io.kvstore.jepsen.store.StoreClient;
import io.kvstore.jepsen.store.StoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ephemeral keys: {@link #HOLDERS} client JVMs ({@link EphemeralHolderMain}) each hold a session (kvstore) or lease
 * (etcd) of {@link EphemeralChecker#TTL} with one key {@code /jepsen/e/h<n>}. At seeded moments the workload kills
 * one with kill -9 ({@code kill_client}) and starts a replacement ({@code open}); a reader lists the keys a few
 * times a second ({@code read_ephemeral}) until every killed client's TTL + grace has passed. The holders run in
 * the workload's own network namespace (child processes inherit it). {@link EphemeralChecker} checks the history.
 */
final class EphemeralWorkload implements StoreWorkload {
    static final String PREFIX = "/jepsen/e";
    static final int HOLDERS = 3;
    private static final Duration READY_DEADLINE = Duration.ofSeconds(30);
    private static final int OPENER = 2_000_000;
    private static final int KILLER = 2_000_001;
    private static final int READER = 2_000_002;

    private final Map<Long, Process> holders = new LinkedHashMap<>();
    private String target;
    private String endpointList;

    @Override
    public void run(Stores stores, List<String> endpoints, HistoryRecorder recorder, int concurrency,
                    Duration time, long seed) throws InterruptedException {
        this.target = stores.target();
        this.endpointList = String.join(",", endpoints);
        Random random = new Random(seed);
        long start = System.nanoTime();
        long end = start + time.toNanos();
        Reader reader = new Reader(stores.open(endpoints), recorder);
        Thread readerThread = new Thread(reader, "ephemeral-reader");
        long next = 1;
        try {
            readerThread.start();
            for (int h = 0; h < HOLDERS; h++) {
                open(recorder, next++);
            }
            // Kills spread over the run, the last one leaving the TTL + grace before the end of the reads.
            int kills = Math.max(1, (int) (time.toSeconds() / 8));
            long lastKill = start;
            for (int k = 1; k <= kills; k++) {
                long at = start + time.toNanos() * k / (kills + 1);
                sleepUntil(at);
                List<Long> alive = new ArrayList<>(holders.keySet());
                if (alive.isEmpty()) {
                    break;
                }
                kill(recorder, alive.get(random.nextInt(alive.size())));
                lastKill = System.nanoTime();
                open(recorder, next++);
            }
            sleepUntil(Math.max(end, lastKill + EphemeralChecker.TTL.plus(EphemeralChecker.GRACE).toNanos()
                    + 2_000_000_000L));
        } finally {
            reader.stop();
            readerThread.join(10_000);
            for (Process p : holders.values()) {
                p.destroyForcibly(); // the run is over: healthy holders are not checked any more
            }
        }
    }

    /** Starts holder {@code n} and waits for its ready line; a holder that never gets ready is killed. */
    private void open(HistoryRecorder recorder, long n) throws InterruptedException {
        recorder.invoke(OPENER, Fn.OPEN, PREFIX + "/h" + n, n);
        Process p;
        try {
            p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    EphemeralHolderMain.class.getName(), target, endpointList, PREFIX + "/h" + n, Long.toString(n),
                    Long.toString(EphemeralChecker.TTL.toMillis())).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            recorder.fail(OPENER, "cannot start the holder JVM: " + e);
            return;
        }
        holders.put(n, p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                String l = out.readLine();
                return l == null ? "failed unknown exited" : l;
            } catch (IOException e) {
                return "failed unknown " + e;
            }
        });
        String answer;
        try {
            answer = line.get(READY_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            answer = "failed unknown not ready within " + READY_DEADLINE;
        }
        if (answer.equals("ready")) {
            recorder.ok(OPENER);
        } else if (answer.startsWith("failed definite")) {
            recorder.fail(OPENER, answer);
            p.destroyForcibly();
            holders.remove(n);
        } else {
            recorder.info(OPENER, answer);
            kill(recorder, n); // its session may exist: it must expire like any killed client's
        }
    }

    private void kill(HistoryRecorder recorder, long n) throws InterruptedException {
        Process p = holders.remove(n);
        recorder.invoke(KILLER, Fn.KILL_CLIENT, PREFIX + "/h" + n, n);
        p.destroyForcibly(); // SIGKILL: no session close, no goodbye
        p.waitFor(10, TimeUnit.SECONDS);
        recorder.ok(KILLER);
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
    }

    /** Lists the ephemeral keys every 250 ms, linearizably. */
    private static final class Reader implements Runnable {
        private final StoreClient client;
        private final HistoryRecorder recorder;
        private volatile boolean stopping;

        Reader(StoreClient client, HistoryRecorder recorder) {
            this.client = client;
            this.recorder = recorder;
        }

        @Override
        public void run() {
            try {
                while (!stopping) { // until the workload stops it
                    recorder.invoke(READER, Fn.READ_EPHEMERAL, PREFIX);
                    try {
                        List<String> names = client.list(PREFIX);
                        recorder.ok(READER, names.stream().filter(s -> s.matches("h\\d+"))
                                .mapToLong(s -> Long.parseLong(s.substring(1))).toArray());
                    } catch (StoreException e) {
                        recorder.fail(READER, e.error()); // a read changes nothing
                    }
                    Thread.sleep(250);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                client.close();
            }
        }

        void stop() {
            stopping = true;
        }
    }
}
