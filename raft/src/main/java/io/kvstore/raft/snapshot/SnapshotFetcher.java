package io.kvstore.raft.snapshot;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.snapshot.SnapshotStore.SnapshotId;
import io.kvstore.raft.transport.SnapshotFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's side of snapshot transfers: given the leader's {@link Message.InstallSnapshot} offer, pulls the
 * snapshot from the leader chunk by chunk into {@code <snapshots>/<index>-<term>.partial/}, then renames it into
 * place and hands the offer back (to the raft loop, which steps it into the core only now).
 *
 * <p>Protocol (see also docs/raft.md): ask for the manifest, save it; then for each file in manifest order ask for
 * {@link #chunkBytes} bytes at the current offset, check the chunk's CRC32C, write it, and at the end of the file
 * check the whole file's size and CRC32C against the manifest. Exactly one request is outstanding (pull: the
 * follower's disk sets the pace, nothing queues up at the leader). A request unanswered within
 * {@link #REQUEST_TIMEOUT_NANOS} is sent again after a backoff; after {@link #ATTEMPTS_MAX} failures in a row, or
 * when the leader answers with an error (it no longer has the snapshot), the fetch is given up: the leader's core
 * offers a snapshot again after its own timeout, perhaps a newer one. A transfer resumes from the sizes of the
 * partial files, after a lost connection, a new offer of the same snapshot, or a restart; completed files are
 * never fetched again.
 *
 * <p>Threads: everything runs on one thread ({@code raft-snapshot-fetch-<id>}); {@link #offer} and
 * {@link #onChunk} only enqueue, so the raft loop and transport threads never wait for the disk.
 */
public final class SnapshotFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotFetcher.class);
    /** 1 MiB: large enough that per-chunk round trips cost little on a LAN, small enough to keep frames short. */
    public static final int CHUNK_BYTES_DEFAULT = 1 << 20;
    /** A chunk is a local disk read plus a LAN transfer; one not answered in 2 s was lost. */
    static final long REQUEST_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final long BACKOFF_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Failures in a row before giving up until the next offer (about 20 s with the timeouts above). */
    static final int ATTEMPTS_MAX = 8;

    private final String memberId;
    private final SnapshotStore store;
    private final Consumer<SnapshotFrame> send;
    private final Consumer<Message.InstallSnapshot> onStaged;
    private final int chunkBytes;
    private final ScheduledThreadPoolExecutor executor;
    private final AtomicLong bytesFetched = new AtomicLong();
    private final AtomicLong snapshotsFetched = new AtomicLong();
    private final AtomicLong chunksRejected = new AtomicLong();

    // fetch thread confined
    private Fetch current;

    /** One transfer in progress. */
    private static final class Fetch {
        Message.InstallSnapshot offer;
        final SnapshotId id;
        SnapshotManifest manifest;
        int fileIndex;
        long offset;
        int attempts;
        long requestSeq;
        ScheduledFuture<?> timer;

        Fetch(Message.InstallSnapshot offer) {
            this.offer = offer;
            this.id = SnapshotId.of(offer.meta());
        }

        String file() {
            return manifest == null ? "" : manifest.files().get(fileIndex).path();
        }
    }

    /**
     * @param send sends a request to the leader (the transport)
     * @param onStaged called on the fetch thread with the original offer once the snapshot is complete locally
     * @param chunkBytes data bytes asked for per request ({@link #CHUNK_BYTES_DEFAULT}; tests use less)
     */
    public SnapshotFetcher(String memberId, SnapshotStore store, Consumer<SnapshotFrame> send,
                           Consumer<Message.InstallSnapshot> onStaged, int chunkBytes) {
        if (chunkBytes < 1 || chunkBytes > SnapshotServer.CHUNK_BYTES_MAX) {
            throw new IllegalArgumentException("chunkBytes must be in [1, " + SnapshotServer.CHUNK_BYTES_MAX + "]: "
                    + chunkBytes);
        }
        this.memberId = memberId;
        this.store = store;
        this.send = send;
        this.onStaged = onStaged;
        this.chunkBytes = chunkBytes;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "raft-snapshot-fetch-" + memberId);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /** The leader offered a snapshot this member does not have: fetch it (or go on fetching it). Any thread. */
    public void offer(Message.InstallSnapshot offer) {
        run(() -> start(offer));
    }

    /** A chunk arrived from a leader. Any thread (transport I/O threads). */
    public void onChunk(SnapshotFrame.Chunk chunk) {
        run(() -> handleChunk(chunk));
    }

    /** Data bytes received and written so far (chunks that failed their checksum excluded). */
    public long bytesFetched() {
        return bytesFetched.get();
    }

    /** Snapshots fetched completely. */
    public long snapshotsFetched() {
        return snapshotsFetched.get();
    }

    /** Chunks refused: bad checksum, or a finished file that did not match the manifest. */
    public long chunksRejected() {
        return chunksRejected.get();
    }

    private void run(Runnable task) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("member {} snapshot fetch failed", memberId, e);
                    current = null;
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void start(Message.InstallSnapshot offer) {
        SnapshotId id = SnapshotId.of(offer.meta());
        if (store.contains(id)) {
            onStaged.accept(offer);
            return;
        }
        if (current != null && current.id.equals(id)) {
            if (current.offer.term() <= offer.term()) {
                current.offer = offer; // a newer leader offers the same snapshot: continue, asking it
            }
            return;
        }
        if (current != null) {
            if (offer.term() < current.offer.term()) {
                return; // an offer from a deposed leader
            }
            abandon("the leader now offers snapshot " + id);
        }
        current = new Fetch(offer);
        current.manifest = store.partialManifest(id);
        log.info("member {} fetching snapshot {} from {}{}", memberId, id, offer.from(),
                current.manifest == null ? "" : " (resuming)");
        if (current.manifest != null && !resume(current)) {
            return;
        }
        sendRequest();
    }

    /** Positions a fetch after what its partial files already hold; false when nothing was left to fetch. */
    private boolean resume(Fetch f) {
        Path data = store.partialDataDir(f.id);
        try {
            for (f.fileIndex = 0; f.fileIndex < f.manifest.files().size(); f.fileIndex++) {
                SnapshotManifest.FileInfo file = f.manifest.files().get(f.fileIndex);
                Path path = data.resolve(file.path());
                long have = Files.exists(path) ? Files.size(path) : 0;
                if (have > file.sizeBytes()) {
                    truncate(path, 0);
                    have = 0;
                }
                if (have < file.sizeBytes() || !Files.exists(path)) {
                    f.offset = have;
                    return true;
                }
            }
            complete();
            return false;
        } catch (IOException e) {
            fail(e);
            return false;
        }
    }

    private void sendRequest() {
        Fetch f = current;
        long seq = ++f.requestSeq;
        send.accept(new SnapshotFrame.ChunkRequest(memberId, f.offer.from(), f.id.index(), f.id.term(), f.file(),
                f.offset, chunkBytes));
        f.timer = executor.schedule(() -> onTimeout(f, seq), REQUEST_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
    }

    private void onTimeout(Fetch f, long seq) {
        if (current != f || f.requestSeq != seq) {
            return;
        }
        retryLater("no answer from " + f.offer.from() + " within " + TimeUnit.NANOSECONDS.toMillis(
                REQUEST_TIMEOUT_NANOS) + " ms");
    }

    private void retryLater(String why) {
        Fetch f = current;
        if (++f.attempts > ATTEMPTS_MAX) {
            log.info("member {} gives up fetching snapshot {} for now ({}); it resumes on the next offer",
                    memberId, f.id, why);
            current = null;
            return;
        }
        long seq = ++f.requestSeq; // answers to the failed request are ignored from now on
        long backoff = Math.min(BACKOFF_MAX_NANOS, BACKOFF_MIN_NANOS << Math.min(f.attempts, 16));
        log.debug("member {} retries snapshot {} in {} ms: {}", memberId, f.id, backoff / 1_000_000, why);
        f.timer = executor.schedule(() -> {
            if (current == f && f.requestSeq == seq) {
                sendRequest();
            }
        }, backoff, TimeUnit.NANOSECONDS);
    }

    private void handleChunk(SnapshotFrame.Chunk c) {
        Fetch f = current;
        if (f == null || !c.from().equals(f.offer.from()) || c.index() != f.id.index() || c.term() != f.id.term()
                || !c.file().equals(f.file()) || c.offset() != f.offset) {
            return; // late or duplicate answer to an earlier request
        }
        if (f.timer != null) {
            f.timer.cancel(false);
        }
        if (!c.error().isEmpty()) {
            log.info("member {} gives up fetching snapshot {}: {} answered '{}'", memberId, f.id, c.from(),
                    c.error());
            abandon(c.error());
            return;
        }
        try {
            if (f.manifest == null) {
                acceptManifest(f, c.manifest());
            } else {
                acceptData(f, c);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private void acceptManifest(Fetch f, ByteString bytes) throws IOException {
        SnapshotManifest manifest;
        try {
            manifest = SnapshotManifest.decode(bytes);
        } catch (IllegalArgumentException e) {
            chunksRejected.incrementAndGet();
            retryLater("bad manifest: " + e.getMessage());
            return;
        }
        if (!manifest.meta().equals(f.offer.meta())) {
            abandon("the leader's manifest describes " + manifest.meta() + ", not the offered " + f.offer.meta());
            return;
        }
        store.savePartialManifest(manifest);
        f.manifest = manifest;
        f.attempts = 0;
        if (resume(f)) {
            sendRequest();
        }
    }

    private void acceptData(Fetch f, SnapshotFrame.Chunk c) throws IOException {
        SnapshotManifest.FileInfo file = f.manifest.files().get(f.fileIndex);
        CRC32C crc = new CRC32C();
        crc.update(c.data().asReadOnlyByteBuffer());
        long end = c.offset() + c.data().size();
        if ((int) crc.getValue() != c.crc32c() || end > file.sizeBytes() || c.eof() != (end == file.sizeBytes())
                || (c.data().isEmpty() && !c.eof())) {
            chunksRejected.incrementAndGet();
            retryLater("chunk of " + file.path() + " at " + c.offset() + " failed its checks");
            return;
        }
        Path path = store.partialDataDir(f.id).resolve(file.path());
        write(path, c.offset(), c.data());
        bytesFetched.addAndGet(c.data().size());
        f.attempts = 0;
        f.offset = end;
        if (!c.eof()) {
            sendRequest();
            return;
        }
        SnapshotFiles.fsync(path);
        int fileCrc = SnapshotFiles.crc32c(path);
        if (fileCrc != file.crc32c()) {
            chunksRejected.incrementAndGet();
            log.warn("member {}: fetched {} of snapshot {} does not match its manifest's CRC32C; fetching it again",
                    memberId, file.path(), f.id);
            truncate(path, 0);
            f.offset = 0;
            retryLater("file " + file.path() + " failed its checksum");
            return;
        }
        f.fileIndex++;
        f.offset = 0;
        if (f.fileIndex < f.manifest.files().size()) {
            sendRequest();
        } else {
            complete();
        }
    }

    private void complete() throws IOException {
        Fetch f = current;
        try {
            store.completePartial(f.id);
        } catch (SnapshotCorruptException e) {
            log.warn("member {}: fetched snapshot {} is damaged ({}); fetching it again from the start", memberId,
                    f.id, e.getMessage());
            store.deletePartial(f.id);
            current = null;
            start(f.offer);
            return;
        }
        current = null;
        snapshotsFetched.incrementAndGet();
        log.info("member {} fetched snapshot {} ({} files, {} bytes)", memberId, f.id, f.manifest.files().size(),
                f.manifest.sizeBytes());
        onStaged.accept(f.offer);
    }

    private void abandon(String why) {
        Fetch f = current;
        current = null;
        if (f.timer != null) {
            f.timer.cancel(false);
        }
        try {
            store.deletePartial(f.id); // nobody will offer this one again, or a newer one replaces it
        } catch (IOException e) {
            log.warn("member {} cannot delete partial snapshot {}: {}", memberId, f.id, e.toString());
        }
        log.debug("member {} abandoned snapshot {}: {}", memberId, f.id, why);
    }

    private void fail(IOException e) {
        log.error("member {} cannot write snapshot {}; giving up until the next offer", memberId,
                current == null ? "?" : current.id, e);
        current = null;
    }

    private static void write(Path path, long offset, ByteString data) throws IOException {
        Files.createDirectories(path.getParent());
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (channel.size() > offset) {
                channel.truncate(offset);
            }
            ByteBuffer buffer = data.asReadOnlyByteBuffer();
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + (data.size() - buffer.remaining()));
            }
        }
    }

    private static void truncate(Path path, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
