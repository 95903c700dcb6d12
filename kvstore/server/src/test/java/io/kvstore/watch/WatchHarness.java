package io.kvstore.watch;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.HistoryBounds;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.WriteResult;
import io.kvstore.store.command.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A state machine with a WatchHub and the Watch service on 127.0.0.1, without raft: the test thread is the apply
 * thread ({@link #apply}), so the order of writes and watch registrations is the test's to choose.
 */
public final class WatchHarness implements AutoCloseable {

    public final KvStateMachine store;
    public final WatchHub hub;
    private final Server server;
    public final ManagedChannel channel;
    private final AtomicLong index = new AtomicLong();
    /** The clock of history records: tests of trimming by age move it. */
    public final AtomicLong clockMillis = new AtomicLong(1_000_000);

    public WatchHarness(Path dir, HistoryBounds bounds, Duration progressInterval) {
        store = new KvStateMachine(dir, bounds, clockMillis::get);
        index.set(store.appliedIndex());
        hub = new WatchHub(store, 1, progressInterval);
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new WatchService(hub)).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    /** Applies {@code command} as the next log entry, on the calling thread. */
    public WriteResult apply(Command command) {
        return store.apply(new Entry(index.incrementAndGet(), 1, Entry.Type.COMMAND, command.toByteString()));
    }

    public static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        hub.close();
        store.close();
    }
}
