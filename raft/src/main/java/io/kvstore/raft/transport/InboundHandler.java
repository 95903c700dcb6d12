package io.kvstore.raft.transport;

import io.kvstore.raft.core.Message;
import io.kvstore.raft.transport.wire.Frame;
import io.kvstore.raft.transport.wire.HelloRejected;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting end of one connection: checks the {@code Hello}, then delivers the raft messages that follow.
 * One instance per connection, used only on that connection's event loop, so its state needs no synchronization.
 */
final class InboundHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger log = LoggerFactory.getLogger(InboundHandler.class);

    private enum State { AWAITING_HELLO, ACCEPTED, REJECTED }

    private final NettyTransport transport;
    private State state = State.AWAITING_HELLO;
    private String remoteMember;

    InboundHandler(NettyTransport transport) {
        super(Frame.class);
        this.transport = transport;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        switch (state) {
            case AWAITING_HELLO -> onHello(ctx, frame);
            case ACCEPTED -> onMessage(frame);
            case REJECTED -> { } // frames already in flight after our rejection: the connection is closing
        }
    }

    private void onHello(ChannelHandlerContext ctx, Frame frame) {
        String reason = frame.hasHello()
                ? transport.checkHello(frame.getHello())
                : "first frame must be Hello but was " + frame.getKindCase();
        if (reason != null) {
            state = State.REJECTED;
            transport.onRejectedInbound(ctx.channel().remoteAddress(), reason);
            Frame rejected = Frame.newBuilder().setHelloRejected(HelloRejected.newBuilder().setReason(reason)).build();
            ctx.writeAndFlush(rejected).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = State.ACCEPTED;
        remoteMember = frame.getHello().getFromMember();
        log.debug("member {} accepted connection from member {} at {}",
                transport.selfId(), remoteMember, ctx.channel().remoteAddress());
    }

    private void onMessage(Frame frame) {
        if (SnapshotFrameCodec.isSnapshotFrame(frame)) {
            onSnapshotFrame(frame);
            return;
        }
        Message message;
        try {
            message = MessageCodec.decode(frame);
        } catch (IllegalArgumentException e) {
            transport.countInboundDropped();
            log.debug("member {} dropped an undecodable frame from member {}: {}",
                    transport.selfId(), remoteMember, e.getMessage());
            return;
        }
        // The hello authenticated the connection, not each frame: a frame claiming another sender is a bug or forgery.
        if (!message.from().equals(remoteMember) || !message.to().equals(transport.selfId())) {
            transport.countInboundDropped();
            log.debug("member {} dropped a message from '{}' to '{}' on the connection of member {}",
                    transport.selfId(), message.from(), message.to(), remoteMember);
            return;
        }
        transport.deliver(message);
    }

    /** Snapshot transfer frames go to the snapshot server or fetcher, never to the raft core. */
    private void onSnapshotFrame(Frame frame) {
        SnapshotFrame snapshotFrame;
        try {
            snapshotFrame = SnapshotFrameCodec.decode(frame);
        } catch (IllegalArgumentException e) {
            transport.countInboundDropped();
            log.debug("member {} dropped an undecodable snapshot frame from member {}: {}",
                    transport.selfId(), remoteMember, e.getMessage());
            return;
        }
        if (!snapshotFrame.from().equals(remoteMember) || !snapshotFrame.to().equals(transport.selfId())) {
            transport.countInboundDropped();
            return;
        }
        transport.deliver(snapshotFrame);
    }

    /** A peer without a certificate of the trusted CA never gets to send a frame: logged like a refused Hello. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && !done.isSuccess()) {
            state = State.REJECTED;
            transport.onRejectedInbound(ctx.channel().remoteAddress(),
                    "TLS handshake failed: " + done.cause().getMessage());
            ctx.close();
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Malformed frame or socket error: the stream cannot be resynchronized, the sender will reconnect.
        log.debug("member {} closing inbound connection from {}: {}",
                transport.selfId(), ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
