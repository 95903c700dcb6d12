package io.kvstore.raft.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks loopback ports the OS reports free. Another process may take one before the test binds it; that is rare
 * with ephemeral ports and shows up as a bind error naming the address, not as a silent wrong result.
 */
public final class FreePorts {
    private FreePorts() {}

    public static InetSocketAddress loopback() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
