package io.kvstore.raft.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback ports for test servers from 20000–32767, below Linux's ephemeral range (32768–60999), each
 * at most once per JVM and only after checking it can be bound. Ports the OS picks for port 0 come from the
 * ephemeral range, where the local end of any outgoing connection (a member redialing a peer, a client) can take
 * the port between the check and the server's bind: that race made MembershipChangesIT fail once with "Address
 * already in use". Below the range only another listener could collide.
 */
public final class FreePorts {
    private static final int FIRST = 20_000;
    private static final int LAST = 32_767;
    /** A random start per JVM, so JVMs running side by side (reactor modules, forks) rarely probe the same ports. */
    private static final AtomicInteger NEXT =
            new AtomicInteger(FIRST + ThreadLocalRandom.current().nextInt(LAST - FIRST));

    private FreePorts() {}

    public static InetSocketAddress loopback() {
        return new InetSocketAddress("127.0.0.1", port());
    }

    /** A loopback port that was free a moment ago and is handed out to no one else in this JVM. */
    public static int port() {
        for (int attempt = 0; attempt <= LAST - FIRST; attempt++) {
            int candidate = FIRST + Math.floorMod(NEXT.getAndIncrement() - FIRST, LAST - FIRST + 1);
            try (ServerSocket socket = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException inUse) {
                // taken by another listener: try the next one
            }
        }
        throw new IllegalStateException("no free loopback port in " + FIRST + "-" + LAST);
    }
}
