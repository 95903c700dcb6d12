package io.kvstore.server.security;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the client connections open at once. Applied where connections are accepted, before TLS or HTTP/2 cost
 * anything: a connection beyond the cap is closed right away (the client sees the connection reset and backs off,
 * as gRPC clients do for UNAVAILABLE). gRPC's {@code ServerTransportFilter} can only observe connections, not refuse
 * them, hence a server channel of our own. Thread-safe.
 */
public final class ConnectionLimiter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    /** One WARN line per this interval while refusing; the count says how many. */
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int connectionsMax;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    /** @throws IllegalArgumentException when {@code connectionsMax < 1} */
    public ConnectionLimiter(int connectionsMax) {
        if (connectionsMax < 1) {
            throw new IllegalArgumentException("connectionsMax must be at least 1: " + connectionsMax);
        }
        this.connectionsMax = connectionsMax;
    }

    /** Server channels that apply this limit, for {@code NettyServerBuilder.channelFactory} (NIO). */
    public ChannelFactory<ServerChannel> channelFactory() {
        return () -> new LimitedServerSocketChannel(this);
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    /** Connections refused since start. */
    public long refused() {
        return refused.get();
    }

    /** Counts {@code child} in, or returns false when the cap is reached (the caller closes it). */
    boolean admit(Channel child) {
        while (true) {
            int now = open.get();
            if (now >= connectionsMax) {
                long count = refused.incrementAndGet();
                long last = lastWarnNanos.get();
                long nowNanos = System.nanoTime();
                if (nowNanos - last >= WARN_INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, nowNanos)) {
                    log.warn("refusing client connection from {}: {} connections open, the --max-connections limit "
                            + "({} refused so far)", child.remoteAddress(), now, count);
                }
                return false;
            }
            if (open.compareAndSet(now, now + 1)) {
                child.closeFuture().addListener(closed -> open.decrementAndGet());
                return true;
            }
        }
    }

    /** Accepts as NIO does, then closes what is over the cap before it is registered or read. */
    private static final class LimitedServerSocketChannel extends NioServerSocketChannel {
        private final ConnectionLimiter limiter;

        LimitedServerSocketChannel(ConnectionLimiter limiter) {
            this.limiter = limiter;
        }

        @Override
        protected int doReadMessages(List<Object> buf) throws Exception {
            int start = buf.size();
            int accepted = super.doReadMessages(buf);
            for (int i = buf.size() - 1; i >= start; i--) {
                Channel child = (Channel) buf.get(i);
                if (!limiter.admit(child)) {
                    buf.remove(i);
                    child.unsafe().closeForcibly();
                }
            }
            return accepted; // what was accepted, refused or not: 0 would end this read loop early
        }
    }
}
