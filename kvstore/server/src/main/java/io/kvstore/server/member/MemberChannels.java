package io.kvstore.server.member;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.kvstore.server.config.HostPort;
import io.kvstore.store.Limits;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel (TLS when the client port uses it) per member client address, created on first use and kept until {@link #close}: used to
 * forward requests to the leader and to publish this member's attributes through it. Channels reconnect by
 * themselves, so a restarted leader at the same address needs nothing here. The map grows by one per distinct
 * address ever published, which is bounded by the members and their address changes. Thread-safe.
 */
public final class MemberChannels implements AutoCloseable {

    /** Responses are bounded like requests: a List page stays under REQUEST_BYTES_MAX. */
    private static final int INBOUND_BYTES_MAX = Limits.REQUEST_BYTES_MAX + (64 << 10);

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** TLS towards other members' client ports, or null for plaintext (security.ClientTls). */
    private final io.netty.handler.ssl.SslContext tls;
    private volatile boolean closed;
    /** Adds this member's credential to every call (auth); none in tests that build channels without it. */
    private final io.grpc.ClientInterceptor[] interceptors;

    /** Plaintext channels without a member credential. */
    public MemberChannels() {
        this(null, null);
    }

    /**
     * Channels with {@code tls} (from {@code ClientTls}; plaintext when null) whose calls carry {@code credentials}
     * (io.kvstore.auth.MemberCredentials#interceptor; none when null).
     */
    public MemberChannels(io.netty.handler.ssl.SslContext tls, io.grpc.ClientInterceptor credentials) {
        this.tls = tls;
        this.interceptors = credentials == null ? new io.grpc.ClientInterceptor[0]
                : new io.grpc.ClientInterceptor[] {credentials};
    }

    /**
     * The channel to {@code clientAddress} ({@code host:port}).
     *
     * @throws IllegalArgumentException when the address does not parse
     * @throws IllegalStateException after {@link #close}
     */
    public ManagedChannel get(String clientAddress) {
        if (closed) {
            throw new IllegalStateException("member channels are closed");
        }
        return channels.computeIfAbsent(clientAddress, address -> {
            HostPort hostPort = HostPort.parse(address, "member client address");
            NettyChannelBuilder builder = NettyChannelBuilder.forAddress(hostPort.host(), hostPort.port())
                    .maxInboundMessageSize(INBOUND_BYTES_MAX);
            if (tls == null) {
                builder.usePlaintext();
            } else {
                builder.sslContext(tls);
            }
            return builder.intercept(interceptors).build();
        });
    }

    /** Shuts every channel down, failing calls still in flight. */
    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel channel : channels.values()) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
