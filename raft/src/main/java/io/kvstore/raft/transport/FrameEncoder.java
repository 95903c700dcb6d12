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
        int size = frame.getSerializedSize();
        out.ensureWritable(size);
        if (out.nioBufferCount() == 1) {
            // Straight into the buffer's memory: no stream and no 8 KiB staging array per frame.
            CodedOutputStream coded = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
            frame.writeTo(coded);
            coded.checkNoSpaceLeft(); // the frame wrote exactly the size it reported
            out.writerIndex(out.writerIndex() + size);
        } else {
            CodedOutputStream coded = CodedOutputStream.newInstance(new ByteBufOutputStream(out), size);
            frame.writeTo(coded);
            coded.flush();
        }
    }
}
