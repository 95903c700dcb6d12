package io.kvstore.raft.demo;

import io.kvstore.raft.StateMachine;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.snapshot.SnapshotFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A durable demo {@link StateMachine}: each applied command becomes one line {@code index<TAB>payload} of a text
 * file, fsynced before {@link #apply} returns; the result of apply is the entry's index. On open the applied index is
 * recovered from the last complete line, and a torn last line (a crash mid-write) is cut off. No-op entries write
 * nothing: re-applying one after a restart changes nothing. Used only by the apply thread after construction.
 *
 * <p>A snapshot is a copy of the file ({@value #SNAPSHOT_FILE}); a restore copies it to {@code <file>.restore},
 * fsyncs it and renames it over the file, so a crash leaves the old file or the new one. Because no-op entries
 * write no line, the applied index recovered at open may be below a restored snapshot's index; the node then
 * restores the same snapshot again, which yields the same file.
 */
public final class AppendOnlyFileStateMachine implements StateMachine, AutoCloseable {
    static final String SNAPSHOT_FILE = "applied.log";
    private final Path file;
    private FileChannel channel;
    private long appliedIndex;

    /** Opens or creates {@code file}; the caller closes this state machine. */
    public AppendOnlyFileStateMachine(Path file) throws IOException {
        this.file = file;
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(restoreFile()); // a restore a crash interrupted before its rename: the old file stands
        open();
    }

    private Path restoreFile() {
        return file.resolveSibling(file.getFileName() + ".restore");
    }

    private void open() throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        byte[] content = Files.readAllBytes(file);
        int completeBytes = content.length;
        while (completeBytes > 0 && content[completeBytes - 1] != '\n') {
            completeBytes--;
        }
        if (completeBytes < content.length) {
            channel.truncate(completeBytes);
            channel.force(true);
        }
        List<String> lines = linesOf(new String(content, 0, completeBytes, StandardCharsets.UTF_8));
        appliedIndex = lines.isEmpty() ? 0 : Long.parseLong(lines.get(lines.size() - 1).split("\t", 2)[0]);
        channel.position(completeBytes);
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public Object apply(Entry entry) {
        if (entry.type() == Entry.Type.COMMAND) {
            // Escape so one entry is always one line, whatever the payload holds.
            String payload = entry.data().toStringUtf8().replace("\\", "\\\\").replace("\n", "\\n");
            ByteBuffer line = ByteBuffer.wrap((entry.index() + "\t" + payload + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            try {
                while (line.hasRemaining()) {
                    channel.write(line);
                }
                channel.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file, e);
            }
        }
        appliedIndex = entry.index();
        return entry.index();
    }

    @Override
    public void snapshot(Path dir) throws IOException {
        Path copy = dir.resolve(SNAPSHOT_FILE);
        try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = channel.position(); // complete lines only
            for (long done = 0; done < size; ) {
                done += channel.transferTo(done, size - done, out);
            }
            out.force(true);
        }
        SnapshotFiles.fsyncDirectory(dir);
    }

    @Override
    public void restore(Path dir, long index) throws IOException {
        Path staged = restoreFile();
        Files.copy(dir.resolve(SNAPSHOT_FILE), staged, StandardCopyOption.REPLACE_EXISTING);
        SnapshotFiles.fsync(staged);
        channel.close();
        Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SnapshotFiles.fsyncDirectory(file.toAbsolutePath().getParent());
        open();
        if (appliedIndex > index) {
            throw new IllegalStateException("snapshot at index " + index + " holds line " + appliedIndex);
        }
        appliedIndex = index;
    }

    /** The applied lines, for tests and tools; reads the file. */
    public static List<String> readLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return linesOf(Files.readString(file, StandardCharsets.UTF_8));
    }

    private static List<String> linesOf(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int end; (end = text.indexOf('\n', start)) >= 0; start = end + 1) {
            lines.add(text.substring(start, end));
        }
        return lines;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
