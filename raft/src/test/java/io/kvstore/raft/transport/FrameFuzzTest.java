package io.kvstore.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import io.kvstore.raft.transport.wire.Frame;
import io.kvstore.raft.transport.wire.Hello;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the raft transport's inbound path: length-prefixed byte streams (random, and valid frames with flipped bits,
 * truncations, splices and lying length prefixes) fed in random chunks through the frame decoder and the message
 * codecs, as {@link InboundHandler} uses them. The only failures allowed are the decoder's (the connection is then
 * closed) and the codecs' IllegalArgumentException (the frame is dropped). Then a live member is sent a valid Hello
 * and garbage, and must still accept a real peer afterwards. Seeded: {@code -Dfuzz.seed=N}, {@code -Dfuzz.iterations=N}.
 */
class FrameFuzzTest {

    @Test
    void decoderAndCodecsSurviveArbitraryStreams() {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        int iterations = Integer.getInteger("fuzz.iterations", 3_000);
        Random master = new Random(seed);
        List<byte[]> valid = validFrames();
        int[] decoded = {0};
        for (int i = 0; i < iterations; i++) {
            Random random = new Random(master.nextLong());
            byte[] stream = stream(valid, random);
            try {
                feed(stream, random, decoded);
            } catch (Throwable t) {
                String replay = "FrameFuzzTest failed at iteration " + i + " of seed " + seed
                        + "; replay with -Dtest=FrameFuzzTest -Dfuzz.seed=" + seed;
                System.err.println(replay);
                throw new AssertionError(replay, t);
            }
        }
        assertTrue(decoded[0] > iterations / 10, "too few frames decoded to exercise the codecs: " + decoded[0]);
    }

    /** Feeds {@code stream} in random chunks; the channel may fail only with a DecoderException. */
    private static void feed(byte[] stream, Random random, int[] decoded) {
        EmbeddedChannel channel = new EmbeddedChannel(
                new LengthFieldBasedFrameDecoder(NettyTransport.FRAME_BYTES_MAX, 0, 4, 0, 4),
                FrameDecoder.INSTANCE,
                new SimpleChannelInboundHandler<Frame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                        decoded[0]++;
                        try {
                            if (SnapshotFrameCodec.isSnapshotFrame(frame)) {
                                SnapshotFrameCodec.decode(frame);
                            } else if (!frame.hasHello() && !frame.hasHelloRejected()) {
                                MessageCodec.decode(frame);
                            }
                        } catch (IllegalArgumentException dropped) {
                            // what InboundHandler counts and drops
                        }
                    }
                });
        try {
            int at = 0;
            while (at < stream.length && channel.isActive()) {
                int n = Math.min(stream.length - at, 1 + random.nextInt(64));
                channel.writeInbound(Unpooled.wrappedBuffer(stream, at, n));
                at += n;
            }
        } catch (DecoderException malformed) {
            // the pipeline's answer to garbage: InboundHandler closes the connection
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static byte[] stream(List<byte[]> valid, Random random) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
            byte[] frame = valid.get(random.nextInt(valid.size()));
            frames.add(switch (random.nextInt(5)) {
                case 0 -> prefixed(flip(frame, random));
                case 1 -> prefixed(java.util.Arrays.copyOf(frame, random.nextInt(frame.length + 1)));
                case 2 -> lyingPrefix(frame, random);
                case 3 -> randomBytes(random);
                default -> prefixed(frame);
            });
        }
        int total = frames.stream().mapToInt(f -> f.length).sum();
        ByteBuffer out = ByteBuffer.allocate(total);
        frames.forEach(out::put);
        return out.array();
    }

    private static byte[] prefixed(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    private static byte[] lyingPrefix(byte[] payload, Random random) {
        int[] lies = {-1, 0, Integer.MAX_VALUE, NettyTransport.FRAME_BYTES_MAX + 1, payload.length + 1,
                Math.max(0, payload.length - 1)};
        return ByteBuffer.allocate(4 + payload.length).putInt(lies[random.nextInt(lies.length)]).put(payload).array();
    }

    private static byte[] flip(byte[] frame, Random random) {
        byte[] b = frame.clone();
        for (int i = 0, n = 1 + random.nextInt(3); i < n && b.length > 0; i++) {
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(128)];
        random.nextBytes(b);
        return b;
    }

    private static List<byte[]> validFrames() {
        List<Message> messages = List.of(
                new Message.Heartbeat("n2", "n1", 3, 10, 7),
                new Message.RequestVote("n2", "n1", 4, 10, 3, true, false),
                new Message.AppendEntries("n2", "n1", 3, 9, 3, List.of(
                        new Entry(10, 3, Entry.Type.COMMAND, ByteString.copyFromUtf8("put /a 1"))), 9),
                new Message.AppendEntriesResponse("n2", "n1", 3, false, 9, 8, 2),
                new Message.ReadIndexRequest("n2", "n1", 3, 5),
                new Message.TimeoutNow("n2", "n1", 3));
        List<byte[]> frames = new ArrayList<>();
        messages.forEach(m -> frames.add(MessageCodec.encode(m).toByteArray()));
        frames.add(SnapshotFrameCodec.encode(new SnapshotFrame.ChunkRequest("n2", "n1", 10, 3, "000001.sst", 0,
                4096)).toByteArray());
        frames.add(hello("n2", "n1").toByteArray());
        return frames;
    }

    private static Frame hello(String from, String to) {
        return Frame.newBuilder().setHello(Hello.newBuilder().setClusterId("c1").setFromMember(from)
                .setToMember(to).setProtocolVersion(NettyTransport.PROTOCOL_VERSION)).build();
    }

    @Test
    void liveMemberSurvivesGarbageAfterAValidHello() throws Exception {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        Random random = new Random(seed);
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        NettyTransport n1 = new NettyTransport("n1", "c1", members.get("n1"), members);
        NettyTransport n2 = new NettyTransport("n2", "c1", members.get("n2"), members);
        try {
            n1.start(inbox::add, frame -> { });
            List<byte[]> valid = validFrames();
            for (int connection = 0; connection < 20; connection++) {
                try (Socket socket = new Socket()) {
                    socket.connect(members.get("n1"), 2_000);
                    OutputStream out = socket.getOutputStream();
                    out.write(prefixed(hello("n2", "n1").toByteArray()));
                    out.write(stream(valid, random));
                    out.flush();
                } catch (java.net.SocketException closedByMember) {
                    // the member may close mid-write: that is the expected answer to garbage
                }
            }
            n2.start(m -> { }, frame -> { });
            Awaiting.until(() -> {
                n2.send(new Message.Heartbeat("n2", "n1", 9, 0, 424242));
                return inbox.stream().anyMatch(m -> m instanceof Message.Heartbeat h && h.round() == 424242);
            }, Duration.ofSeconds(10), () -> "n1 accepts a real peer after garbage (seed " + seed + ")");
            for (Message m : inbox) {
                assertEquals("n2", m.from());
                assertEquals("n1", m.to());
            }
            assertNotNull(n1.localAddress());
        } finally {
            n2.close();
            n1.close();
        }
    }
}
