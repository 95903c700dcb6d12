package io.kvstore.raft.transport;

import com.google.protobuf.CodedOutputStream;
import io.kvstore.raft.transport.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;

/** Serializes a {@link Frame} into a buffer of exactly its size; the length prefix is added by the next handler. */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToByteEncoder<Frame> {
    static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Frame frame, boolean preferDirect) {
        // getSerializedSize is memoized by protobuf, so sizing here costs nothing extra when writing.
        return ctx.alloc().ioBuffer(frame.getSerializedSize());
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) throws IOException {
        CodedOutputStream coded = CodedOutputStream.newInstance(new ByteBufOutputStream(out), 8192);
        frame.writeTo(coded);
        coded.flush();
    }
}
