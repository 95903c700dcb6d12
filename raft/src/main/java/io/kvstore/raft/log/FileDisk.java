package io.kvstore.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A {@link Disk} over one real directory, through {@link FileChannel}. Not thread-safe (one owner thread).
 * Files are forced with {@code force(false)} (fdatasync); the directory with {@code force(true)} on a channel
 * opened for reading, which is how Java reaches fsync(2) on a directory.
 */
public final class FileDisk implements Disk {
    private final Path directory;

    /**
     * @param directory the log directory; created (with its parents) if missing
     * @throws IOException if it cannot be created or is not a directory
     */
    public FileDisk(Path directory) throws IOException {
        this.directory = Objects.requireNonNull(directory, "directory");
        Files.createDirectories(directory);
    }

    @Override
    public List<String> list() throws IOException {
        try (Stream<Path> paths = Files.list(directory)) {
            List<String> names = new ArrayList<>();
            paths.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        }
    }

    @Override
    public DiskFile open(String name) throws IOException {
        Path path = resolve(name);
        return new ChannelFile(FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(resolve(name));
    }

    @Override
    public void syncDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems (and Windows) refuse to open or fsync a directory; there the rename/create is
            // as durable as the platform makes it and we have nothing better to do.
        }
    }

    @Override
    public String toString() {
        return directory.toString();
    }

    private Path resolve(String name) {
        Path path = directory.resolve(name);
        if (!path.getParent().equals(directory)) {
            throw new IllegalArgumentException("name must be a plain file name: " + name);
        }
        return path;
    }

    /** A file opened for read and write; appends go to the end we track, so reads never move the position. */
    private static final class ChannelFile implements DiskFile {
        private final FileChannel channel;

        ChannelFile(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public int read(long position, ByteBuffer dst) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public void append(ByteBuffer src) throws IOException {
            long position = channel.size();
            while (src.hasRemaining()) {
                position += channel.write(src, position);
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public void force() throws IOException {
            channel.force(false);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
