package io.kvstore.raft.transport;

import io.kvstore.raft.transport.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.io.IOException;
import java.util.List;

/**
 * Parses one length-delimited buffer into a {@link Frame}. Payload bytes are copied out of the network buffer,
 * which is released right after; the resulting frame owns its data. A malformed frame fails the pipeline, which
 * closes the connection: after garbage the stream cannot be trusted.
 */
@ChannelHandler.Sharable
final class FrameDecoder extends MessageToMessageDecoder<ByteBuf> {
    static final FrameDecoder INSTANCE = new FrameDecoder();

    private FrameDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buf, List<Object> out) throws IOException {
        if (buf.nioBufferCount() == 1) {
            // Parses the buffer's memory in place (protobuf copies the payloads out, it does not alias them), instead
            // of through a stream that allocates a 4 KiB staging array per frame.
            out.add(Frame.parseFrom(buf.nioBuffer()));
            return;
        }
        try (ByteBufInputStream in = new ByteBufInputStream(buf)) {
            out.add(Frame.parseFrom(in));
        }
    }
}
