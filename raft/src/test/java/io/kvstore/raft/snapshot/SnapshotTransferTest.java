package io.kvstore.raft.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.snapshot.SnapshotStore.SnapshotId;
import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import io.kvstore.raft.transport.NettyTransport;
import io.kvstore.raft.transport.SnapshotFrame;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's {@link SnapshotServer} and a follower's {@link SnapshotFetcher} over real NettyTransports on loopback,
 * with small chunks so a snapshot takes many round trips; faults are injected into what the server sends.
 */
class SnapshotTransferTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final int CHUNK_BYTES = 4096;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private SnapshotStore leaderStore;
    private SnapshotStore followerStore;
    private NettyTransport leaderTransport;
    private NettyTransport followerTransport;
    private SnapshotServer server;
    /** What the leader's server sends goes through this, so tests can corrupt or drop chunks. */
    private volatile UnaryOperator<SnapshotFrame> serverFault = f -> f;
    private volatile SnapshotFetcher fetcher;
    private final List<Message.InstallSnapshot> staged = new CopyOnWriteArrayList<>();
    private final List<String> unavailable = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        Map<String, InetSocketAddress> members = Map.of("L", FreePorts.loopback(), "F", FreePorts.loopback());
        leaderStore = new SnapshotStore(dir.resolve("L"));
        followerStore = new SnapshotStore(dir.resolve("F"));
        leaderTransport = new NettyTransport("L", "c", members.get("L"), members);
        followerTransport = new NettyTransport("F", "c", members.get("F"), members);
        server = new SnapshotServer("L", leaderStore, frame -> {
            SnapshotFrame sent = serverFault.apply(frame);
            if (sent != null) {
                leaderTransport.send(sent);
            }
        }, unavailable::add);
        leaderTransport.start(m -> { }, f -> server.handle((SnapshotFrame.ChunkRequest) f));
        followerTransport.start(m -> { }, f -> fetcher.onChunk((SnapshotFrame.Chunk) f));
        closeables.add(leaderTransport);
        closeables.add(followerTransport);
        closeables.add(server);
    }

    private SnapshotFetcher newFetcher() {
        SnapshotFetcher f = new SnapshotFetcher("F", followerStore, followerTransport::send, staged::add, CHUNK_BYTES);
        closeables.add(f);
        fetcher = f;
        return f;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private static Message.InstallSnapshot offer(SnapshotManifest manifest) {
        return new Message.InstallSnapshot("L", "F", 5, manifest.meta());
    }

    @Test
    void fetchesAWholeSnapshotAndHandsTheOfferBack() throws Exception {
        SnapshotManifest manifest = SnapshotStoreTest.take(leaderStore, 100, 4, 11);
        SnapshotFetcher f = newFetcher();
        f.offer(offer(manifest));
        Awaiting.until(() -> staged.size() == 1, DEADLINE, () -> "staged " + staged);
        SnapshotId id = SnapshotId.of(manifest.meta());
        assertEquals(manifest, followerStore.verify(id));
        assertEquals(manifest.sizeBytes(), f.bytesFetched());
        assertEquals(manifest.sizeBytes(), server.bytesServed());
        assertFalse(Files.exists(followerStore.partialDir(id)));
    }

    @Test
    void aCorruptChunkIsRefusedAndFetchedAgain() throws Exception {
        SnapshotManifest manifest = SnapshotStoreTest.take(leaderStore, 100, 4, 12);
        AtomicInteger corrupted = new AtomicInteger();
        serverFault = frame -> {
            if (frame instanceof SnapshotFrame.Chunk c && c.offset() == 8192 && corrupted.getAndIncrement() < 2) {
                byte[] data = c.data().toByteArray();
                data[100] ^= 0x40; // a bit flips in flight; the chunk keeps its original CRC
                return new SnapshotFrame.Chunk(c.from(), c.to(), c.index(), c.term(), c.manifest(), c.file(),
                        c.offset(), ByteString.copyFrom(data), c.crc32c(), c.eof(), c.error());
            }
            return frame;
        };
        SnapshotFetcher f = newFetcher();
        f.offer(offer(manifest));
        Awaiting.until(() -> staged.size() == 1, DEADLINE, () -> "staged " + staged);
        assertEquals(2, f.chunksRejected());
        assertEquals(manifest, followerStore.verify(SnapshotId.of(manifest.meta())));
        assertEquals(manifest.sizeBytes(), f.bytesFetched(), "refused chunks are not counted as fetched");
    }

    @Test
    void anInterruptedTransferResumesWithoutFetchingCompletedFilesAgain() throws Exception {
        SnapshotManifest manifest = SnapshotStoreTest.take(leaderStore, 100, 4, 13);
        long firstFile = manifest.files().get(0).sizeBytes();
        // The connection "drops" in the middle of the transfer: nothing more arrives after ~60% of the data.
        long cut = manifest.sizeBytes() * 6 / 10;
        serverFault = frame -> frame instanceof SnapshotFrame.Chunk c && c.file().equals("big.bin")
                && c.offset() >= cut ? null : frame;
        SnapshotFetcher first = newFetcher();
        first.offer(offer(manifest));
        Awaiting.until(() -> first.bytesFetched() >= cut, DEADLINE, () -> "fetched " + first.bytesFetched());
        first.close(); // the follower stops mid-transfer

        serverFault = frame -> frame;
        SnapshotFetcher second = newFetcher(); // restarted: finds the partial directory
        second.offer(offer(manifest));
        Awaiting.until(() -> staged.size() == 1, DEADLINE, () -> "staged " + staged);
        assertEquals(manifest, followerStore.verify(SnapshotId.of(manifest.meta())));
        assertTrue(first.bytesFetched() >= cut && first.bytesFetched() < firstFile, "first " + first.bytesFetched());
        assertEquals(manifest.sizeBytes(), first.bytesFetched() + second.bytesFetched(),
                "resumed at the partial file's size; nothing fetched twice");
    }

    @Test
    void givesUpOnASnapshotTheLeaderNoLongerHas() throws Exception {
        SnapshotManifest gone = SnapshotStoreTest.take(leaderStore, 100, 4, 14);
        SnapshotStoreTest.take(leaderStore, 200, 4, 15);
        SnapshotStoreTest.take(leaderStore, 300, 4, 16);
        leaderStore.retain(new SnapshotId(300, 4)); // deletes 100
        SnapshotFetcher f = newFetcher();
        f.offer(offer(gone));
        Awaiting.until(() -> unavailable.contains("F"), DEADLINE, () -> "unavailable " + unavailable);
        Awaiting.until(() -> !Files.exists(followerStore.partialDir(SnapshotId.of(gone.meta()))), DEADLINE,
                () -> "partial directory left behind");
        assertTrue(staged.isEmpty());

        SnapshotManifest current = leaderStore.readManifest(new SnapshotId(300, 4));
        f.offer(offer(current)); // the core offers again, now the current snapshot
        Awaiting.until(() -> staged.size() == 1, DEADLINE, () -> "staged " + staged);
        assertEquals(new SnapshotMeta(300, 4, SnapshotStoreTest.MEMBERS), staged.get(0).meta());
    }
}
