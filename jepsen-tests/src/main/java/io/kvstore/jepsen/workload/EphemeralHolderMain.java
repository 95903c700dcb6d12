package io.kvstore.jepsen.workload;

import io.kvstore.jepsen.store.StoreClient;
import io.kvstore.jepsen.store.StoreException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/**
 * One client of the ephemeral workload, as a JVM of its own so that the workload can kill it with kill -9: it opens
 * a session (kvstore) or lease (etcd) of the given TTL, creates its key on it, prints {@code ready} and keeps the
 * session alive until it dies. When its parent goes away (stdin closes) it exits without closing the session,
 * like a crash.
 *
 * <pre>
 * java ... EphemeralHolderMain TARGET ENDPOINTS(comma-separated) KEY VALUE TTL_MILLIS
 * </pre>
 * Prints {@code ready}, or {@code failed definite|unknown REASON} and exits 1.
 */
public final class EphemeralHolderMain {
    private EphemeralHolderMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: EphemeralHolderMain TARGET ENDPOINTS KEY VALUE TTL_MILLIS");
            System.exit(2);
        }
        StoreWorkload.Stores stores = new StoreWorkload.Stores(args[0]);
        // A short request timeout: a keepalive stuck on a paused or cut-off member must move on well within the TTL.
        StoreClient client = stores.open(Arrays.asList(args[1].split(",")), Duration.ofMillis(800),
                Duration.ofSeconds(8));
        try {
            client.ephemeral(args[2], Long.parseLong(args[3]), Duration.ofMillis(Long.parseLong(args[4])));
        } catch (StoreException e) {
            System.out.println("failed " + (e.definitelyNotApplied() ? "definite " : "unknown ") + e.error());
            System.out.flush();
            System.exit(1);
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) { // blocks until the parent closes our stdin or dies
            continue;
        }
        Runtime.getRuntime().halt(0); // no session close: the key must expire with the TTL
    }
}
