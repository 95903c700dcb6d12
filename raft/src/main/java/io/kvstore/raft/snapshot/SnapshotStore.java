package io.kvstore.raft.snapshot;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.SnapshotMeta;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots of one member, in {@code <dataDir>/raft/snapshots}:
 * <pre>
 * 1200-3/               a complete snapshot: state at index 1200 (term 3)
 *   MANIFEST            SnapshotManifest: index, term, membership, per data file path, size, CRC32C
 *   data/...            the state machine's files (StateMachine.snapshot wrote them, restore reads them)
 * 1300-4.partial/       a snapshot being received from the leader (same layout; resumable)
 * tmp-1250-7/           a local snapshot being written (deleted at start: the state machine writes it again)
 * </pre>
 * A complete directory only ever appears by an atomic rename of a directory whose files, manifest and directory
 * entries were all fsynced first, so after a crash it is either complete or absent. The newest
 * {@value #RETAINED} complete snapshots are kept (plus the one the log's marker names, always); older ones are
 * deleted after each new one.
 *
 * <p>Threads: the apply thread writes temp directories ({@link #newTempDir}, {@link #prepare}); the raft loop
 * commits them ({@link #commit}) and prunes ({@link #retain}); the snapshot server reads complete snapshots; the
 * fetcher owns partial directories. Each works on its own paths, and a reader that loses a race with a deletion
 * gets an {@link IOException} (a missing file), which the caller treats as "this snapshot is gone". No locks.
 */
public final class SnapshotStore {
    private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);
    /**
     * Complete snapshots kept. Two: the newest one (what the log's marker names and what lagging followers are
     * offered) and the previous one, which a follower may still be fetching when the next is taken.
     */
    public static final int RETAINED = 2;
    static final String DATA = "data";
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final Pattern COMPLETE = Pattern.compile("(\\d{1,19})-(\\d{1,19})");
    private static final Pattern PARTIAL = Pattern.compile("(\\d{1,19})-(\\d{1,19})\\.partial");

    private final Path root;
    private final AtomicLong tempSequence = new AtomicLong();

    /** Names a snapshot directory. */
    public record SnapshotId(long index, long term) {
        public static SnapshotId of(SnapshotMeta meta) {
            return new SnapshotId(meta.index(), meta.term());
        }

        String dirName() {
            return index + "-" + term;
        }

        @Override
        public String toString() {
            return dirName();
        }
    }

    /** A local snapshot written and checksummed by the apply thread, waiting for its raft metadata. */
    public record Prepared(Path tempDir, long index, List<SnapshotManifest.FileInfo> files) {}

    /** Nothing is created until the first snapshot is written or received. */
    public SnapshotStore(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    public Path root() {
        return root;
    }

    /**
     * Called once at start, before any other use: deletes temp directories (local snapshots a crash interrupted)
     * and partial transfers of snapshots no newer than the newest complete one; partial transfers of newer ones
     * stay, so a fetch resumes where it stopped.
     */
    public void cleanUpAtStart() throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        long newest = list().stream().mapToLong(SnapshotId::index).max().orElse(0);
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                Matcher partial = PARTIAL.matcher(name);
                boolean stalePartial = partial.matches() && Long.parseLong(partial.group(1)) <= newest;
                if (name.startsWith("tmp-") || stalePartial) {
                    log.info("deleting unfinished snapshot directory {}", child);
                    SnapshotFiles.deleteRecursively(child);
                }
            }
        }
    }

    /** Complete snapshots, oldest first. */
    public List<SnapshotId> list() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<SnapshotId> ids = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                Matcher m = COMPLETE.matcher(child.getFileName().toString());
                if (m.matches() && Files.isDirectory(child)) {
                    ids.add(new SnapshotId(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
                }
            }
        }
        ids.sort(Comparator.comparingLong(SnapshotId::index).thenComparingLong(SnapshotId::term));
        return ids;
    }

    /** Whether the complete snapshot {@code id} is here (its manifest exists; contents are checked by verify). */
    public boolean contains(SnapshotId id) {
        return Files.isRegularFile(dir(id).resolve(SnapshotManifest.FILE_NAME));
    }

    /** The directory of the complete snapshot {@code id} (whether or not it exists). */
    public Path dir(SnapshotId id) {
        return root.resolve(id.dirName());
    }

    /** Where the state machine's files of snapshot {@code id} are: what {@code StateMachine.restore} reads. */
    public Path dataDir(SnapshotId id) {
        return dir(id).resolve(DATA);
    }

    // ---------------------------------------------------------------- local snapshots

    /**
     * Creates an empty temp directory for a local snapshot at {@code index} and returns the (empty, existing) data
     * directory inside it that {@code StateMachine.snapshot} writes into. Apply thread.
     */
    public Path newTempDir(long index) throws IOException {
        Path temp = root.resolve("tmp-" + index + "-" + tempSequence.incrementAndGet());
        SnapshotFiles.deleteRecursively(temp);
        Path data = temp.resolve(DATA);
        Files.createDirectories(data);
        return data;
    }

    /**
     * Checksums the files the state machine wrote into {@code dataDir} (from {@link #newTempDir}) and fsyncs them
     * and their directories, so the later {@link #commit} only writes the small manifest. Apply thread: this reads
     * every byte, which must not happen on the raft loop.
     */
    public Prepared prepare(Path dataDir, long index) throws IOException {
        SnapshotFiles.fsyncTree(dataDir);
        List<SnapshotManifest.FileInfo> files = new ArrayList<>();
        for (String path : SnapshotFiles.listFiles(dataDir)) {
            Path file = dataDir.resolve(path);
            files.add(new SnapshotManifest.FileInfo(path, Files.size(file), SnapshotFiles.crc32c(file)));
        }
        return new Prepared(dataDir.getParent(), index, files);
    }

    /**
     * Writes the manifest of a prepared snapshot with its raft metadata and renames it into place: from here on
     * it is complete and durable. Raft loop.
     *
     * @throws IllegalArgumentException when {@code meta.index()} is not the index the snapshot was taken at
     */
    public SnapshotManifest commit(Prepared prepared, SnapshotMeta meta) throws IOException {
        if (prepared.index() != meta.index()) {
            throw new IllegalArgumentException("snapshot taken at " + prepared.index() + " committed as "
                    + meta.index());
        }
        SnapshotManifest manifest = new SnapshotManifest(meta, prepared.files());
        writeManifest(prepared.tempDir(), manifest);
        moveIntoPlace(prepared.tempDir(), SnapshotId.of(meta));
        return manifest;
    }

    /** Deletes a prepared snapshot that will not be committed (a newer one was installed meanwhile). */
    public void abandon(Prepared prepared) throws IOException {
        SnapshotFiles.deleteRecursively(prepared.tempDir());
    }

    // ---------------------------------------------------------------- reading and checking

    /**
     * Reads the manifest of the complete snapshot {@code id} and checks it names {@code id}.
     *
     * @throws java.nio.file.NoSuchFileException when the snapshot is not here (never was, or deleted by now)
     * @throws IOException when the manifest is damaged ({@link SnapshotCorruptException})
     */
    public SnapshotManifest readManifest(SnapshotId id) throws IOException {
        return readManifest(dir(id), id);
    }

    static SnapshotManifest readManifest(Path dir, SnapshotId id) throws IOException {
        Path file = dir.resolve(SnapshotManifest.FILE_NAME);
        SnapshotManifest manifest;
        try {
            manifest = SnapshotManifest.decode(ByteString.copyFrom(Files.readAllBytes(file)));
        } catch (IllegalArgumentException e) {
            throw new SnapshotCorruptException(file + ": " + e.getMessage());
        }
        if (manifest.meta().index() != id.index() || manifest.meta().term() != id.term()) {
            throw new SnapshotCorruptException(file + " describes snapshot " + manifest.meta().index() + "-"
                    + manifest.meta().term() + ", not " + id);
        }
        return manifest;
    }

    /**
     * Reads every data file of the complete snapshot {@code id} and checks sizes and checksums against its manifest
     * (and that no unlisted file is there). Reads every byte: apply thread or fetcher, never the raft loop.
     *
     * @return the manifest
     * @throws SnapshotCorruptException naming the first file that does not match
     */
    public SnapshotManifest verify(SnapshotId id) throws IOException {
        SnapshotManifest manifest = readManifest(id);
        verifyData(dataDir(id), manifest);
        return manifest;
    }

    static void verifyData(Path data, SnapshotManifest manifest) throws IOException {
        List<String> present = Files.isDirectory(data) ? SnapshotFiles.listFiles(data) : List.of();
        List<String> listed = manifest.files().stream().map(SnapshotManifest.FileInfo::path).sorted().toList();
        if (!present.equals(listed)) {
            throw new SnapshotCorruptException("snapshot " + data + " holds files " + present + " but its manifest"
                    + " lists " + listed);
        }
        for (SnapshotManifest.FileInfo f : manifest.files()) {
            Path file = data.resolve(f.path());
            long size = Files.size(file);
            int crc = SnapshotFiles.crc32c(file);
            if (size != f.sizeBytes() || crc != f.crc32c()) {
                throw new SnapshotCorruptException("snapshot file " + file + " has size " + size + " and CRC32C "
                        + SnapshotManifest.hex(crc) + " but its manifest says " + f.sizeBytes() + " and "
                        + SnapshotManifest.hex(f.crc32c()));
            }
        }
    }

    // ---------------------------------------------------------------- retention

    /**
     * Deletes complete snapshots but the newest {@value #RETAINED} and {@code inUse} (the one the log's durable
     * marker names, which a restart may need). Raft loop, after the log compaction that made the newest one the
     * marker was synced.
     */
    public void retain(SnapshotId inUse) throws IOException {
        List<SnapshotId> ids = list();
        for (int i = 0; i < ids.size() - RETAINED; i++) {
            SnapshotId old = ids.get(i);
            if (!old.equals(inUse)) {
                log.info("deleting snapshot {}: {} newer ones are kept", old, RETAINED);
                // Rename first so a crash mid-delete leaves a temp directory (cleaned at start), never a complete
                // name over incomplete contents.
                Path doomed = root.resolve("tmp-deleting-" + old.dirName());
                Files.move(dir(old), doomed, StandardCopyOption.ATOMIC_MOVE);
                SnapshotFiles.deleteRecursively(doomed);
            }
        }
    }

    // ---------------------------------------------------------------- partial (received) snapshots

    /** The directory a transfer of {@code id} writes into; the fetcher owns it. */
    public Path partialDir(SnapshotId id) {
        return root.resolve(id.dirName() + PARTIAL_SUFFIX);
    }

    /** The data directory inside {@link #partialDir}. */
    public Path partialDataDir(SnapshotId id) {
        return partialDir(id).resolve(DATA);
    }

    /** Durably records the manifest a transfer received (tmp file, fsync, rename), creating the partial dir. */
    public void savePartialManifest(SnapshotManifest manifest) throws IOException {
        Path dir = partialDir(SnapshotId.of(manifest.meta()));
        Files.createDirectories(dir.resolve(DATA));
        writeManifest(dir, manifest);
    }

    /** The manifest a transfer of {@code id} saved earlier, or null when there is none (or it is damaged). */
    public SnapshotManifest partialManifest(SnapshotId id) {
        Path dir = partialDir(id);
        if (!Files.isRegularFile(dir.resolve(SnapshotManifest.FILE_NAME))) {
            return null;
        }
        try {
            return readManifest(dir, id);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Checks every file of a finished transfer against its manifest, fsyncs them, and renames the partial
     * directory into place as a complete snapshot.
     *
     * @throws SnapshotCorruptException when a file does not match (the caller fetches it again)
     */
    public void completePartial(SnapshotId id) throws IOException {
        Path dir = partialDir(id);
        SnapshotManifest manifest = readManifest(dir, id);
        verifyData(dir.resolve(DATA), manifest);
        SnapshotFiles.fsyncTree(dir);
        moveIntoPlace(dir, id);
    }

    /** Deletes the partial transfer of {@code id}, if any. */
    public void deletePartial(SnapshotId id) throws IOException {
        SnapshotFiles.deleteRecursively(partialDir(id));
    }

    // ---------------------------------------------------------------- helpers

    private static void writeManifest(Path dir, SnapshotManifest manifest) throws IOException {
        Path tmp = dir.resolve(SnapshotManifest.FILE_NAME + ".tmp");
        Files.write(tmp, manifest.encode().toByteArray());
        SnapshotFiles.fsync(tmp);
        Files.move(tmp, dir.resolve(SnapshotManifest.FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        SnapshotFiles.fsyncDirectory(dir);
    }

    private void moveIntoPlace(Path from, SnapshotId id) throws IOException {
        Path target = dir(id);
        if (Files.exists(target)) {
            // The same snapshot is already complete here (taken locally and also received, or received twice):
            // the contents are equal by checksum, keep the one in place.
            SnapshotFiles.deleteRecursively(from);
            return;
        }
        try {
            Files.move(from, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + root + " cannot rename atomically", e);
        }
        SnapshotFiles.fsyncDirectory(root);
        log.info("snapshot {} is complete in {}", id, target);
    }
}
