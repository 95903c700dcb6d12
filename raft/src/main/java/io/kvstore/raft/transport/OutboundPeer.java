package io.kvstore.raft.transport;

import io.kvstore.raft.transport.wire.Frame;
import io.kvstore.raft.transport.wire.Hello;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side towards one peer: a bounded queue filled by any thread, drained on one event loop that also owns
 * the connection, its reconnect timer and backoff. Fields below "event-loop confined" are touched only there.
 */
final class OutboundPeer {
    private static final Logger log = LoggerFactory.getLogger(OutboundPeer.class);
    /** A connect that has not completed in this time counts as failed; peers are on a LAN. */
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final NettyTransport transport;
    private final String peerId;
    private final InetSocketAddress address;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Queue<Frame> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    // event-loop confined
    private Channel channel;
    private boolean connecting;
    private boolean rejected;
    private long connectedAtNanos;
    private long backoffNanos;
    private long nextConnectAtNanos;
    private ScheduledFuture<?> reconnectTimer;

    InetSocketAddress address() {
        return address;
    }

    OutboundPeer(NettyTransport transport, String peerId, InetSocketAddress address, EventLoop loop) {
        this.transport = transport;
        this.peerId = peerId;
        this.address = address;
        this.loop = loop;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, NettyTransport.WATER_MARK)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (transport.peerTls() != null) {
                            ch.pipeline().addLast(transport.peerTls().clientContext()
                                    .newHandler(ch.alloc(), address.getHostString(), address.getPort()));
                        }
                        NettyTransport.addFrameCodec(ch.pipeline());
                        ch.pipeline().addLast(new ResponseHandler());
                    }
                });
    }

    /** Queues a frame; false when the queue is full (the caller counts the drop). Any thread. */
    boolean offer(Frame frame) {
        int bytes = frame.getSerializedSize();
        int messages = queuedMessages.incrementAndGet();
        long totalBytes = queuedBytes.addAndGet(bytes);
        if (messages > NettyTransport.PEER_QUEUE_MESSAGES_MAX || totalBytes > NettyTransport.PEER_QUEUE_BYTES_MAX) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-bytes);
            return false;
        }
        queue.add(frame);
        scheduleDrain();
        return true;
    }

    private void scheduleDrain() {
        // One drain task per burst: everything offered before it runs is written and flushed together.
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException e) {
                discardQueued(); // transport closed
            }
        }
    }

    private void drain() {
        drainScheduled.set(false);
        if (transport.isClosed()) {
            discardQueued();
            return;
        }
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            connectWhenDue();
            return;
        }
        boolean wrote = false;
        while (ch.isWritable()) {
            Frame frame = queue.poll();
            if (frame == null) {
                break;
            }
            dequeued(frame);
            ch.write(frame, ch.voidPromise());
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
    }

    private void connectWhenDue() {
        if (connecting || queue.isEmpty()) {
            return; // lazy: a peer nobody sends to is not dialed
        }
        long waitNanos = nextConnectAtNanos - System.nanoTime();
        if (waitNanos > 0) {
            if (reconnectTimer == null) {
                reconnectTimer = loop.schedule(() -> {
                    reconnectTimer = null;
                    drain();
                }, waitNanos, TimeUnit.NANOSECONDS);
            }
            return;
        }
        connecting = true;
        rejected = false;
        bootstrap.connect(address).addListener((ChannelFuture f) -> onConnectDone(f));
    }

    private void onConnectDone(ChannelFuture f) {
        connecting = false;
        if (!f.isSuccess()) {
            log.debug("member {} cannot connect to member {} at {}: {}",
                    transport.selfId(), peerId, address, f.cause() == null ? "cancelled" : f.cause().toString());
            backOff();
            connectWhenDue();
            return;
        }
        Channel ch = f.channel();
        if (transport.isClosed()) {
            ch.close();
            return;
        }
        channel = ch;
        connectedAtNanos = System.nanoTime();
        ch.closeFuture().addListener(closed -> onClosed(ch));
        Hello hello = Hello.newBuilder()
                .setClusterId(transport.clusterId())
                .setFromMember(transport.selfId())
                .setToMember(peerId)
                .setProtocolVersion(NettyTransport.PROTOCOL_VERSION)
                .build();
        ch.write(Frame.newBuilder().setHello(hello).build(), ch.voidPromise());
        log.debug("member {} connected to member {} at {}", transport.selfId(), peerId, address);
        drain(); // flushes the hello with whatever queued meanwhile
        ch.flush();
    }

    private void onClosed(Channel ch) {
        if (channel != ch) {
            return;
        }
        channel = null;
        if (rejected) {
            backoffNanos = NettyTransport.RECONNECT_BACKOFF_MAX_NANOS; // misconfiguration: retry slowly
        } else if (System.nanoTime() - connectedAtNanos >= NettyTransport.RECONNECT_BACKOFF_MAX_NANOS) {
            backoffNanos = 0; // the connection was healthy: the peer probably restarted, find it again fast
        }
        backOff();
        connectWhenDue();
    }

    /** Doubles the backoff and sets the next attempt at a random point in [backoff/2, backoff] ("equal jitter"). */
    private void backOff() {
        backoffNanos = backoffNanos == 0
                ? NettyTransport.RECONNECT_BACKOFF_MIN_NANOS
                : Math.min(backoffNanos * 2, NettyTransport.RECONNECT_BACKOFF_MAX_NANOS);
        long half = backoffNanos / 2;
        nextConnectAtNanos = System.nanoTime() + half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    private void dequeued(Frame frame) {
        queuedMessages.decrementAndGet();
        queuedBytes.addAndGet(-frame.getSerializedSize());
    }

    private void discardQueued() {
        for (Frame f; (f = queue.poll()) != null; ) {
            dequeued(f);
        }
    }

    /** Closes the connection; safe from any thread and after the event loop stopped. */
    void close() {
        try {
            loop.execute(() -> {
                if (reconnectTimer != null) {
                    reconnectTimer.cancel(false);
                }
                if (channel != null) {
                    channel.close();
                }
                discardQueued();
            });
        } catch (RejectedExecutionException e) {
            discardQueued();
        }
    }

    /** Reads what the acceptor says on our outbound connection: only HelloRejected is expected. */
    private final class ResponseHandler extends SimpleChannelInboundHandler<Frame> {
        ResponseHandler() {
            super(Frame.class);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (frame.hasHelloRejected()) {
                rejected = true;
                transport.onRejectedOutbound(peerId, address, frame.getHelloRejected().getReason());
                ctx.close();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        /** A failed TLS handshake is a misconfiguration (wrong CA, expired certificate): said like a HelloRejected. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && !done.isSuccess()) {
                rejected = true;
                transport.onRejectedOutbound(peerId, address, "TLS handshake failed: " + done.cause().getMessage());
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("member {} closing connection to member {}: {}", transport.selfId(), peerId, cause.toString());
            ctx.close();
        }
    }
}
