package io.kvstore.server.it;

import io.kvstore.client.KvClient;
import io.kvstore.client.Session;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A tiny client process for {@link EphemeralKillIT}: opens a session with the given TTL, creates {@code count}
 * ephemeral znodes under {@code parent}, prints {@code holding <session-id>} and keeps the session alive until it is
 * killed. Args: endpoints (comma-separated), ttl millis, parent, count.
 */
public final class EphemeralHolderMain {
    private EphemeralHolderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> endpoints = List.of(args[0].split(","));
        Duration ttl = Duration.ofMillis(Long.parseLong(args[1]));
        String parent = args[2];
        int count = Integer.parseInt(args[3]);
        KvClient client = KvClient.builder().endpoints(endpoints).build();
        Session session = client.openSession(ttl);
        for (int i = 0; i < count; i++) {
            session.createEphemeral(parent + "/e-", new byte[0], true);
        }
        System.out.println("holding " + session.id());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed: the session's keepalives run on the client's threads
    }
}
