package io.kvstore.raft.snapshot;

import com.google.protobuf.ByteString;
import io.kvstore.raft.transport.SnapshotFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of snapshot transfers: answers each {@link SnapshotFrame.ChunkRequest} with one
 * {@link SnapshotFrame.Chunk} read from the {@link SnapshotStore}. Requests are served on one dedicated thread
 * ({@code raft-snapshot-serve-<id>}), never on the raft loop or a transport I/O thread, so disk reads for one
 * follower delay neither replication nor other followers' messages. Each follower has at most one request
 * outstanding, so the queue holds at most one request per follower; beyond {@link #QUEUE_MAX} requests are
 * dropped and the follower retries.
 *
 * <p>Thread-safe: {@link #handle} may be called from any thread; {@link #close} stops the thread.
 */
public final class SnapshotServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotServer.class);
    /** Largest chunk served whatever the follower asks: bounds the memory of one answer (and one frame). */
    public static final int CHUNK_BYTES_MAX = 4 << 20;
    /** Requests waiting; one per follower fetching, and clusters have a handful of members. */
    static final int QUEUE_MAX = 64;

    private final String memberId;
    private final SnapshotStore store;
    private final Consumer<SnapshotFrame> send;
    private final Consumer<String> onUnavailable;
    private final ThreadPoolExecutor executor;
    private final AtomicLong bytesServed = new AtomicLong();
    /** The manifest read last; serving thread only. Most requests are for the same snapshot. */
    private SnapshotManifest cachedManifest;

    /**
     * @param send sends a chunk to its follower (the transport)
     * @param onUnavailable called with the follower's id when it asked for a snapshot this member no longer has, so
     *     the raft loop can offer the current one at once instead of after the core's timeout
     */
    public SnapshotServer(String memberId, SnapshotStore store, Consumer<SnapshotFrame> send,
                          Consumer<String> onUnavailable) {
        this.memberId = memberId;
        this.store = store;
        this.send = send;
        this.onUnavailable = onUnavailable;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_MAX),
                r -> {
                    Thread t = new Thread(r, "raft-snapshot-serve-" + memberId);
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Queues a request; drops it when the queue is full or the server is closed. Any thread; never blocks. */
    public void handle(SnapshotFrame.ChunkRequest request) {
        try {
            executor.execute(() -> serve(request));
        } catch (RejectedExecutionException e) {
            log.debug("member {} dropped a snapshot chunk request from {}", memberId, request.from());
        }
    }

    /** Data bytes sent so far. */
    public long bytesServed() {
        return bytesServed.get();
    }

    private void serve(SnapshotFrame.ChunkRequest request) {
        SnapshotStore.SnapshotId id = new SnapshotStore.SnapshotId(request.index(), request.term());
        try {
            SnapshotManifest manifest = manifest(id);
            if (request.file().isEmpty()) {
                send.accept(new SnapshotFrame.Chunk(memberId, request.from(), id.index(), id.term(),
                        manifest.encode(), "", 0, ByteString.EMPTY, 0, false, ""));
                return;
            }
            SnapshotManifest.FileInfo file = manifest.file(request.file());
            if (file == null || request.offset() > file.sizeBytes()) {
                send.accept(SnapshotFrame.Chunk.error(request, "snapshot " + id + " has no file '" + request.file()
                        + "' of at least " + request.offset() + " bytes"));
                return;
            }
            send.accept(readChunk(request, store.dataDir(id).resolve(file.path()), file.sizeBytes()));
        } catch (NoSuchFileException e) {
            cachedManifest = null;
            log.info("member {} cannot serve snapshot {} to {}: it was deleted (a newer one exists)", memberId, id,
                    request.from());
            send.accept(SnapshotFrame.Chunk.error(request, "snapshot " + id + " is no longer available"));
            onUnavailable.accept(request.from());
        } catch (IOException | RuntimeException e) {
            cachedManifest = null;
            log.warn("member {} cannot serve snapshot {} to {}: {}", memberId, id, request.from(), e.toString());
            send.accept(SnapshotFrame.Chunk.error(request, "snapshot " + id + " cannot be read: " + e.getMessage()));
            onUnavailable.accept(request.from());
        }
    }

    private SnapshotManifest manifest(SnapshotStore.SnapshotId id) throws IOException {
        SnapshotManifest m = cachedManifest;
        if (m == null || m.meta().index() != id.index() || m.meta().term() != id.term() || !store.contains(id)) {
            m = store.readManifest(id);
            cachedManifest = m;
        }
        return m;
    }

    private SnapshotFrame.Chunk readChunk(SnapshotFrame.ChunkRequest request, Path path, long size)
            throws IOException {
        int length = (int) Math.min(Math.min(request.maxBytes(), CHUNK_BYTES_MAX), size - request.offset());
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, request.offset() + buffer.position()) < 0) {
                    throw new IOException(path + " is shorter than its manifest says (" + size + " bytes)");
                }
            }
        }
        buffer.flip();
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate());
        bytesServed.addAndGet(length);
        return new SnapshotFrame.Chunk(memberId, request.from(), request.index(), request.term(), ByteString.EMPTY,
                request.file(), request.offset(), ByteString.copyFrom(buffer), (int) crc.getValue(),
                request.offset() + length == size, "");
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
