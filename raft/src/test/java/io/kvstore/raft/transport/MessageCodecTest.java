package io.kvstore.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.SnapshotMeta;
import java.util.Map;
import java.util.Set;
import io.kvstore.raft.transport.wire.Frame;
import io.kvstore.raft.transport.wire.Hello;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Property test: every random message survives encode, serialize, parse, decode unchanged. */
class MessageCodecTest {

    /** Replay a failure with -Dcodec.seed=N. */
    private static final long SEED = Long.getLong("codec.seed", System.nanoTime());
    private static final int CASES = 5_000;

    @Test
    void randomMessagesRoundTripEqual() throws Exception {
        System.out.println("MessageCodecTest seed: -Dcodec.seed=" + SEED);
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < CASES; i++) {
            Message original = randomMessage(random);
            byte[] wire = MessageCodec.encode(original).toByteArray();
            Message decoded = MessageCodec.decode(Frame.parseFrom(wire));
            assertEquals(original, decoded, "case " + i + " with -Dcodec.seed=" + SEED);
        }
    }

    @Test
    void handshakeFrameIsNotAMessage() {
        Frame hello = Frame.newBuilder().setHello(Hello.newBuilder().setClusterId("c")).build();
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(hello));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Frame.getDefaultInstance()));
    }

    @Test
    void entryWithoutTypeIsRejected() {
        Frame frame = Frame.newBuilder().setAppendEntries(io.kvstore.raft.transport.wire.AppendEntries.newBuilder()
                .setFrom("a").setTo("b").setTerm(1)
                .addEntries(io.kvstore.raft.transport.wire.Entry.newBuilder().setIndex(1).setTerm(1))).build();
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(frame));
    }

    static Message randomMessage(SplittableRandom r) {
        String from = member(r);
        String to = member(r);
        long term = nonNegative(r);
        return switch (r.nextInt(10)) {
            case 0 -> new Message.RequestVote(from, to, term, nonNegative(r), nonNegative(r), r.nextBoolean(),
                    r.nextBoolean());
            case 1 -> new Message.RequestVoteResponse(from, to, term, r.nextBoolean(), r.nextBoolean());
            case 2 -> appendEntries(r, from, to, term);
            case 3 -> new Message.AppendEntriesResponse(from, to, term, r.nextBoolean(), nonNegative(r),
                    nonNegative(r), nonNegative(r));
            case 4 -> new Message.Heartbeat(from, to, term, nonNegative(r), nonNegative(r));
            case 5 -> new Message.HeartbeatResponse(from, to, term, nonNegative(r));
            case 6 -> new Message.InstallSnapshot(from, to, term, new SnapshotMeta(nonNegative(r), nonNegative(r),
                    new Membership(Set.of(member(r) + "v"), r.nextBoolean() ? Set.of(member(r) + "l") : Set.of(),
                            r.nextBoolean() ? Map.of(member(r) + "v", "127.0.0.1:" + r.nextInt(1, 65536)) : Map.of())));
            case 7 -> new Message.TimeoutNow(from, to, term);
            case 8 -> new Message.ReadIndexRequest(from, to, term, nonNegative(r));
            default -> new Message.ReadIndexResponse(from, to, term, nonNegative(r),
                    r.nextBoolean() ? -1 : nonNegative(r));
        };
    }

    private static Message appendEntries(SplittableRandom r, String from, String to, long term) {
        long prevIndex = r.nextLong(0, 1L << 40);
        int count = r.nextInt(0, 8);
        List<Entry> entries = new ArrayList<>(count);
        long entryTerm = Math.max(1, term);
        for (int i = 0; i < count; i++) {
            Entry.Type type = Entry.Type.values()[r.nextInt(Entry.Type.values().length)];
            byte[] data = new byte[type == Entry.Type.NOOP ? 0 : r.nextInt(0, 64)];
            r.nextBytes(data);
            entries.add(new Entry(prevIndex + 1 + i, entryTerm, type, ByteString.copyFrom(data)));
        }
        return new Message.AppendEntries(from, to, term, prevIndex, nonNegative(r), entries, nonNegative(r));
    }

    /** Mostly small values, sometimes the extremes, because varint encoding changes width with magnitude. */
    private static long nonNegative(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE - r.nextInt(2);
            default -> r.nextLong(0, 1_000_000);
        };
    }

    private static String member(SplittableRandom r) {
        return r.nextInt(10) == 0 ? "" : "n" + r.nextInt(1, 6);
    }
}
