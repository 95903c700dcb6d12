package io.kvstore.server.security;

import io.grpc.netty.NettyServerBuilder;
import io.kvstore.server.config.LimitsConfig;
import io.kvstore.server.config.ServerConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The transport side of the client port: a {@link NettyServerBuilder} with TLS ({@link ClientTls}), the connection
 * cap ({@link ConnectionLimiter}), the per-connection stream cap and the inbound message bound set, on event loops
 * this object owns (gRPC requires its own loops once the server channel is ours). The caller adds services, builds
 * and starts the server, and closes this after the server has terminated. Thread-safe.
 */
public final class ClientListener implements AutoCloseable {

    /** One acceptor thread: accepting is cheap, and the connection cap is checked there. */
    private static final int BOSS_THREADS = 1;
    /** grpc-java's own default for the I/O threads: two per core. */
    private static final int WORKER_THREADS = 2 * Runtime.getRuntime().availableProcessors();

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ConnectionLimiter limiter;
    private final ClientTls tls;

    private ClientListener(String memberName, LimitsConfig limits, ClientTls tls) {
        this.limiter = new ConnectionLimiter(limits.maxConnections());
        this.tls = tls;
        this.boss = new MultiThreadIoEventLoopGroup(BOSS_THREADS,
                new DefaultThreadFactory("kvserver-accept-" + memberName, true), NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(WORKER_THREADS,
                new DefaultThreadFactory("kvserver-io-" + memberName, true), NioIoHandler.newFactory());
    }

    /**
     * Loads the TLS material (when configured) and starts the event loops.
     *
     * @throws IllegalArgumentException when a TLS file does not load
     */
    public static ClientListener create(ServerConfig config) {
        return new ClientListener(config.name(), config.limits(), ClientTls.of(config.tls()));
    }

    /** A builder for the client port, with everything above applied; {@code inboundBytesMax} bounds one message. */
    public NettyServerBuilder builder(ServerConfig config, int inboundBytesMax) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(config.clientAddress().toSocketAddress())
                .channelFactory(limiter.channelFactory())
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .maxInboundMessageSize(inboundBytesMax)
                .maxConcurrentCallsPerConnection(config.limits().maxConcurrentStreams());
        if (tls != null) {
            builder.sslContext(tls.serverContext());
        }
        return builder;
    }

    /** The member channels' TLS context, or null when the client port is plaintext. */
    public io.netty.handler.ssl.SslContext memberChannelContext() {
        return tls == null ? null : tls.memberChannelContext();
    }

    /** The connection cap, for its counters. */
    public ConnectionLimiter limiter() {
        return limiter;
    }

    /** Stops the event loops; call after the gRPC server terminated. Bounded wait. */
    @Override
    public void close() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
