package io.kvstore.raft.transport;

import io.kvstore.raft.core.Message;
import io.kvstore.raft.transport.wire.Frame;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} over TCP with netty (NIO). Each frame is a 4-byte big-endian length and a protobuf
 * {@link Frame} (see {@code raft/v1/raft.proto}); frames above {@link #FRAME_BYTES_MAX} close the connection.
 *
 * <p>Connections are one-way. For each peer this member dials one outbound connection lazily (on the first send),
 * opens it with a {@code Hello} naming the cluster, itself and the peer, and reconnects with jittered exponential
 * backoff from {@link #RECONNECT_BACKOFF_MIN_NANOS} to {@link #RECONNECT_BACKOFF_MAX_NANOS}. Each peer has a
 * bounded outbound queue ({@link #PEER_QUEUE_MESSAGES_MAX}, {@link #PEER_QUEUE_BYTES_MAX}); a send that does not fit
 * is dropped and counted. Writes are flushed once per event-loop turn for everything queued.
 *
 * <p>With {@link io.kvstore.raft.transport.tls.PeerTls} every connection is mutual TLS (handshake before the Hello;
 * a failed handshake is logged and counted like a refused Hello). Snapshot transfer shares these connections.
 *
 * <p>Inbound connections must start with a {@code Hello} for this cluster id, from a member in the peer map, to this
 * member; otherwise this member answers {@code HelloRejected}, logs one ERROR line per offending remote per minute,
 * and closes. Messages whose {@code from} differs from the hello's member, or whose {@code to} is not this member,
 * are dropped.
 *
 * <p>Thread-safety: all methods are thread-safe. Counters are in {@link #stats()}.
 */
public final class NettyTransport implements Transport {
    /** Largest frame accepted or sent. Must exceed RaftConfig.maxMsgBytes plus headers; 64 MiB leaves ample room. */
    public static final int FRAME_BYTES_MAX = 64 << 20;
    /** Version sent in Hello; an acceptor refuses any other. */
    static final int PROTOCOL_VERSION = 1;
    /**
     * Per-peer queue bounds. Raft's own in-flight window bounds what it sends to a live peer; this queue only
     * absorbs a burst while a connection is (re)established. Anything beyond is stale and raft will resend it.
     */
    static final int PEER_QUEUE_MESSAGES_MAX = 1024;
    static final long PEER_QUEUE_BYTES_MAX = 32L << 20;
    /** 20 ms finds a restarted peer quickly; 1 s caps the cost of a long-dead or misconfigured peer. */
    static final long RECONNECT_BACKOFF_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    static final long RECONNECT_BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Two I/O threads: raft traffic is a few connections; more threads would only compete with the raft loop. */
    private static final int IO_THREADS = 2;
    /** One ERROR line per offending remote and reason per this interval; the rest go to DEBUG. */
    private static final long REJECTION_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int REJECTION_LOG_KEYS_MAX = 1024;
    /** Above the high mark a peer's queue holds frames instead of netty's unbounded outbound buffer. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 << 10, 2 << 20);

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    private final String selfId;
    /** Null for plaintext. */
    private final io.kvstore.raft.transport.tls.PeerTls peerTls;
    private final String clusterId;
    private final InetSocketAddress listen;
    /** Replaced as a whole on membership changes; readers see one consistent map. */
    private volatile Map<String, InetSocketAddress> peers;
    private final EventLoopGroup group;
    private final Map<String, OutboundPeer> outbound = new ConcurrentHashMap<>();
    /** Accepted connections, closed explicitly on close so peers see the connection end at once. */
    private final io.netty.channel.group.ChannelGroup accepted =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private final Map<String, Long> rejectionLoggedAtNanos = new ConcurrentHashMap<>();
    private final AtomicLong sendDropped = new AtomicLong();
    private final AtomicLong inboundDropped = new AtomicLong();
    private final AtomicLong helloRejectedSent = new AtomicLong();
    private final AtomicLong helloRejectedReceived = new AtomicLong();
    private volatile Consumer<Message> inbound;
    private volatile Consumer<SnapshotFrame> snapshotInbound;
    private volatile Channel serverChannel;
    private volatile boolean closed;

    /**
     * Counters since construction; all monotonic.
     *
     * @param sendDropped sends dropped: unknown member, full peer queue, oversized, or closed
     * @param inboundDropped inbound messages dropped: undecodable, wrong sender or wrong addressee
     * @param helloRejectedSent inbound connections this member refused
     * @param helloRejectedReceived outbound connections a peer refused
     */
    public record Stats(long sendDropped, long inboundDropped, long helloRejectedSent, long helloRejectedReceived) {}

    /**
     * @param selfId this member's id, as the peers know it
     * @param clusterId the cluster id every peer must present
     * @param listen address to accept peer connections on
     * @param peers every member's id and address; an entry for {@code selfId} is allowed and ignored for dialing
     */
    public NettyTransport(String selfId, String clusterId, InetSocketAddress listen,
                          Map<String, InetSocketAddress> peers) {
        this(selfId, clusterId, listen, peers, null);
    }

    /**
     * As {@link #NettyTransport(String, String, InetSocketAddress, Map)}, with mutual TLS on every connection when
     * {@code peerTls} is non-null: the handshake comes before the Hello, so a peer without a certificate of the
     * trusted CA is refused before any frame is read (counted in {@link Stats#helloRejectedSent()}).
     */
    public NettyTransport(String selfId, String clusterId, InetSocketAddress listen,
                          Map<String, InetSocketAddress> peers, io.kvstore.raft.transport.tls.PeerTls peerTls) {
        this.peerTls = peerTls;
        this.selfId = requireNonEmpty(selfId, "selfId");
        this.clusterId = requireNonEmpty(clusterId, "clusterId");
        this.listen = Objects.requireNonNull(listen, "listen");
        this.peers = Map.copyOf(Objects.requireNonNull(peers, "peers"));
        this.group = new MultiThreadIoEventLoopGroup(IO_THREADS,
                new DefaultThreadFactory("raft-transport-" + selfId, true), NioIoHandler.newFactory());
    }

    @Override
    public void start(Consumer<Message> inbound, Consumer<SnapshotFrame> snapshotFrames) {
        Objects.requireNonNull(inbound, "inbound");
        Objects.requireNonNull(snapshotFrames, "snapshotFrames");
        synchronized (this) {
            if (closed || this.inbound != null) {
                throw new IllegalStateException("transport of member " + selfId + " already started or closed");
            }
            this.snapshotInbound = snapshotFrames;
            this.inbound = inbound;
        }
        ServerBootstrap server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                        if (peerTls != null) {
                            ch.pipeline().addLast(peerTls.serverContext().newHandler(ch.alloc()));
                        }
                        addFrameCodec(ch.pipeline());
                        ch.pipeline().addLast(new InboundHandler(NettyTransport.this));
                    }
                });
        try {
            serverChannel = server.bind(listen).syncUninterruptibly().channel();
        } catch (Exception e) {
            // netty rethrows the checked BindException undeclared; surface it as I/O failure naming the address.
            close();
            if (e instanceof BindException bind) {
                throw new UncheckedIOException("member " + selfId + " cannot listen on " + listen, bind);
            }
            throw e;
        }
        log.debug("member {} listening on {}", selfId, serverChannel.localAddress());
    }

    @Override
    public void send(Message message) {
        if (closed) {
            sendDropped.incrementAndGet();
            return;
        }
        OutboundPeer peer = outbound.computeIfAbsent(message.to(), this::newPeer);
        if (peer == null) {
            sendDropped.incrementAndGet();
            log.debug("member {} dropped a message to unknown member '{}'", selfId, message.to());
            return;
        }
        Frame frame = MessageCodec.encode(message);
        if (frame.getSerializedSize() > FRAME_BYTES_MAX || !peer.offer(frame)) {
            sendDropped.incrementAndGet();
        }
    }

    @Override
    public void send(SnapshotFrame snapshotFrame) {
        OutboundPeer peer = closed ? null : outbound.computeIfAbsent(snapshotFrame.to(), this::newPeer);
        if (peer == null) {
            sendDropped.incrementAndGet();
            return;
        }
        Frame frame = SnapshotFrameCodec.encode(snapshotFrame);
        if (frame.getSerializedSize() > FRAME_BYTES_MAX || !peer.offer(frame)) {
            sendDropped.incrementAndGet();
        }
    }

    private OutboundPeer newPeer(String peerId) {
        InetSocketAddress address = peers.get(peerId);
        if (address == null || peerId.equals(selfId)) {
            return null;
        }
        return new OutboundPeer(this, peerId, address, group.next());
    }

    @Override
    public void updatePeers(Map<String, InetSocketAddress> newPeers) {
        Map<String, InetSocketAddress> copy = Map.copyOf(Objects.requireNonNull(newPeers, "peers"));
        peers = copy;
        // Drop connections to members that left or moved; the next send dials the current address.
        outbound.entrySet().removeIf(e -> {
            InetSocketAddress now = copy.get(e.getKey());
            if (now == null || !now.equals(e.getValue().address())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        log.info("member {} now knows peers {}", selfId, new TreeMap<>(copy).keySet());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Channel server = serverChannel;
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        outbound.values().forEach(OutboundPeer::close);
        // Without this a peer's connection to a member closed in-process (tests restart members in one JVM) was
        // seen to stay open, unread, so the peer never redialed the restarted member.
        accepted.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        // Quiet period 0: nothing queued is worth waiting for; bounded wait so close never hangs.
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Snapshot of the counters. */
    public Stats stats() {
        return new Stats(sendDropped.get(), inboundDropped.get(), helloRejectedSent.get(), helloRejectedReceived.get());
    }

    /** The bound listen address (useful when constructed with port 0), or null before start. */
    public SocketAddress localAddress() {
        Channel server = serverChannel;
        return server == null ? null : server.localAddress();
    }

    static void addFrameCodec(ChannelPipeline pipeline) {
        pipeline.addLast(new LengthFieldBasedFrameDecoder(FRAME_BYTES_MAX, 0, 4, 0, 4));
        pipeline.addLast(FrameDecoder.INSTANCE);
        pipeline.addLast(LENGTH_PREPENDER);
        pipeline.addLast(FrameEncoder.INSTANCE);
    }

    private static final ChannelHandler LENGTH_PREPENDER = new LengthFieldPrepender(4);

    // --- used by InboundHandler and OutboundPeer ---

    String selfId() {
        return selfId;
    }

    String clusterId() {
        return clusterId;
    }

    /** Null for plaintext. */
    io.kvstore.raft.transport.tls.PeerTls peerTls() {
        return peerTls;
    }

    boolean isClosed() {
        return closed;
    }

    /** Null when the hello is acceptable, else the reason sent back and logged. */
    String checkHello(io.kvstore.raft.transport.wire.Hello hello) {
        if (hello.getProtocolVersion() != PROTOCOL_VERSION) {
            return "member '" + hello.getFromMember() + "' speaks protocol version " + hello.getProtocolVersion()
                    + " but member '" + selfId + "' speaks " + PROTOCOL_VERSION;
        }
        if (!clusterId.equals(hello.getClusterId())) {
            return "member '" + hello.getFromMember() + "' is in cluster '" + hello.getClusterId()
                    + "', not in cluster '" + clusterId + "' (check the cluster id and member addresses)";
        }
        String from = hello.getFromMember();
        if (from.equals(selfId) || !peers.containsKey(from)) {
            return "member '" + from + "' is not in cluster '" + clusterId + "' (members: "
                    + String.join(",", new TreeMap<>(peers).keySet()) + ")";
        }
        if (!selfId.equals(hello.getToMember())) {
            return "connection is for member '" + hello.getToMember() + "' but this address is member '"
                    + selfId + "' of cluster '" + clusterId + "' (check the member addresses)";
        }
        return null;
    }

    void deliver(Message message) {
        inbound.accept(message);
    }

    void deliver(SnapshotFrame frame) {
        snapshotInbound.accept(frame);
    }

    void countInboundDropped() {
        inboundDropped.incrementAndGet();
    }

    void onRejectedInbound(SocketAddress remote, String reason) {
        helloRejectedSent.incrementAndGet();
        String host = remote instanceof InetSocketAddress inet ? inet.getHostString() : String.valueOf(remote);
        String shown = remote instanceof InetSocketAddress inet ? host + ":" + inet.getPort() : host;
        if (shouldLog(host + "|" + reason)) {
            log.error("member {} rejected connection from {}: {}", selfId, shown, reason);
        } else {
            log.debug("member {} rejected connection from {}: {}", selfId, shown, reason);
        }
    }

    void onRejectedOutbound(String peerId, InetSocketAddress address, String reason) {
        helloRejectedReceived.incrementAndGet();
        if (shouldLog("peer|" + peerId + "|" + reason)) {
            log.error("member {} was refused by member '{}' at {}:{}: {}",
                    selfId, peerId, address.getHostString(), address.getPort(), reason);
        } else {
            log.debug("member {} was refused by member '{}' at {}:{}: {}",
                    selfId, peerId, address.getHostString(), address.getPort(), reason);
        }
    }

    private boolean shouldLog(String key) {
        long now = System.nanoTime();
        if (rejectionLoggedAtNanos.size() > REJECTION_LOG_KEYS_MAX) {
            rejectionLoggedAtNanos.clear(); // bound memory against many distinct remotes; worst case a repeat line
        }
        Long last = rejectionLoggedAtNanos.get(key);
        if (last != null && now - last < REJECTION_LOG_INTERVAL_NANOS) {
            return false;
        }
        rejectionLoggedAtNanos.put(key, now);
        return true;
    }

    private static String requireNonEmpty(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " must be non-empty");
        }
        return value;
    }
}
