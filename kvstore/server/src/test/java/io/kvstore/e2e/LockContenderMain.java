package io.kvstore.e2e;

import io.kvstore.api.ErrorCode;
import io.kvstore.client.DistributedLock;
import io.kvstore.client.FencedWrites;
import io.kvstore.client.FencingToken;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.PutOptions;
import io.kvstore.client.PutResult;
import io.kvstore.client.Session;
import io.kvstore.client.Znode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A client process for {@link LockMutualExclusionIT}: until its deadline, acquires the lock, makes
 * {@link #WRITES_PER_GRANT} fenced compare-and-set increments of a shared counter under it, releases it, then tries
 * one more fenced write with the released (stale) token. It records every outcome, one line each, flushed at once
 * (the harness reads the file after the process ends):
 * <pre>
 *   GRANT token
 *   WRITE token revision       a fenced increment the store accepted, at that revision
 *   REJECT token reason        a fenced write the store refused (FENCED: the grant was lost)
 *   RELEASED token
 *   STALE token ACCEPTED|FENCED|reason   the write with the released token
 *   ERROR what                 anything else (unavailable during a kill, ...); the loop goes on
 * </pre>
 * Args: endpoints (comma-separated), lock name, counter path, run millis, output file.
 */
public final class LockContenderMain {
    static final int WRITES_PER_GRANT = 3;

    private LockContenderMain() {
    }

    public static void main(String[] args) throws IOException {
        List<String> endpoints = List.of(args[0].split(","));
        String name = args[1];
        String counter = args[2];
        long end = System.nanoTime() + Duration.ofMillis(Long.parseLong(args[3])).toNanos();
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[4]), StandardCharsets.UTF_8),
                true);
             KvClient kv = KvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(2))
                     .retryDeadline(Duration.ofSeconds(10)).backoff(Duration.ofMillis(10), Duration.ofMillis(200))
                     .build()) {
            Session session = null;
            while (System.nanoTime() - end < 0) {
                try {
                    if (session == null || session.state() == Session.State.EXPIRED) {
                        session = kv.openSession(Duration.ofSeconds(3));
                    }
                    round(kv, kv.lock(name, session), counter, out);
                } catch (KvException e) {
                    out.println("ERROR " + e.reason().map(Enum::name).orElse("") + " " + oneLine(e.getMessage()));
                }
            }
        }
        System.exit(0); // the client's threads are daemons, but be explicit: the harness waits for the exit
    }

    private static void round(KvClient kv, DistributedLock lock, String counter, PrintWriter out) {
        if (!lock.acquire(Duration.ofSeconds(5))) {
            return;
        }
        FencingToken token = lock.fencingToken();
        out.println("GRANT " + token.token());
        FencedWrites fenced = kv.fenced(token);
        for (int i = 0; i < WRITES_PER_GRANT; i++) {
            try {
                Znode current = kv.get(counter);
                long next = Long.parseLong(current.valueUtf8()) + 1;
                PutResult r = fenced.put(counter, Long.toString(next).getBytes(StandardCharsets.UTF_8),
                        PutOptions.ifVersion(current.stat().version()));
                out.println("WRITE " + token.token() + " " + r.stat().modRevision());
            } catch (KvException e) {
                out.println("REJECT " + token.token() + " " + e.reason().map(Enum::name).orElse("?") + " "
                        + oneLine(e.getMessage()));
                if (e.reason().orElse(null) == ErrorCode.FENCED) {
                    break;
                }
            }
        }
        lock.release();
        out.println("RELEASED " + token.token());
        try {
            fenced.put(counter + "-stale", new byte[] {1}, PutOptions.DEFAULT);
            out.println("STALE " + token.token() + " ACCEPTED");
        } catch (KvException e) {
            out.println("STALE " + token.token() + " " + e.reason().map(Enum::name).orElse("?"));
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ');
    }
}
