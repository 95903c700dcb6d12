package io.kvstore.maintenance;

import io.kvstore.api.v1.SnapshotFileEntry;
import io.kvstore.api.v1.SnapshotHeader;
import io.kvstore.raft.snapshot.SnapshotFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The snapshot file kvctl snapshot save writes and snapshot restore reads (documented in maintenance.proto and
 * docs/kvctl.md): {@code "KVSNAP01"}, a length-delimited {@link SnapshotHeader}, the checkpoint's files back to back,
 * and a SHA-256 of everything before it. The checksum is the integrity check: a truncated, damaged or foreign file
 * is refused before anything is restored. Stateless; any thread.
 */
public final class SnapshotFile {
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "KVSNAP01".getBytes(StandardCharsets.US_ASCII);
    static final int DIGEST_BYTES = 32;
    /** A header lists a few hundred RocksDB files at most; 16 MiB means the file is not ours. */
    private static final int HEADER_BYTES_MAX = 16 << 20;
    private static final int COPY_BUFFER_BYTES = 64 << 10;

    private SnapshotFile() {
    }

    /** An encoded snapshot being produced: read {@link #stream} to the end for the file's bytes. */
    public record Encoded(InputStream stream, long totalBytes) {}

    /**
     * The file for the checkpoint in {@code dir}: the header gets the list of its files (the caller fills the rest).
     * The stream reads the files lazily; they must not change until it is closed.
     */
    public static Encoded encode(Path dir, SnapshotHeader.Builder header) throws IOException {
        List<String> paths = SnapshotFiles.listFiles(dir);
        List<InputStream> parts = new ArrayList<>();
        long total = 0;
        header.clearFiles().setFormatVersion(FORMAT_VERSION);
        for (String path : paths) {
            long size = Files.size(dir.resolve(path));
            header.addFiles(SnapshotFileEntry.newBuilder().setPath(path).setSizeBytes(size));
            total += size;
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write(MAGIC);
        header.build().writeDelimitedTo(head);
        parts.add(new ByteArrayInputStream(head.toByteArray()));
        for (String path : paths) {
            parts.add(new LazyFileStream(dir.resolve(path)));
        }
        MessageDigest digest = sha256();
        InputStream body = new DigestInputStream(new SequenceInputStream(Collections.enumeration(parts)), digest);
        InputStream trailer = new InputStream() {
            private byte[] bytes;
            private int next;

            @Override
            public int read() {
                if (bytes == null) {
                    bytes = digest.digest();
                }
                return next < bytes.length ? bytes[next++] & 0xff : -1;
            }
        };
        total += head.size() + DIGEST_BYTES;
        return new Encoded(new SequenceInputStream(body, trailer), total);
    }

    /**
     * Reads and checks a whole snapshot file, writing its files under {@code targetDir} (created; must not exist)
     * when it is not null. {@code progress} hears the bytes read so far.
     *
     * @return the header
     * @throws SnapshotFileException when the file is not a snapshot, is truncated or fails its checksum; the
     *     partly written {@code targetDir} is deleted then
     */
    public static SnapshotHeader read(Path file, Path targetDir, LongConsumer progress) throws IOException {
        long size = Files.size(file);
        if (size < MAGIC.length + DIGEST_BYTES) {
            throw new SnapshotFileException(file + " is not a kvstore snapshot (too short: " + size + " bytes)");
        }
        MessageDigest digest = sha256();
        long bodyBytes = size - DIGEST_BYTES;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), COPY_BUFFER_BYTES)) {
            CountingInput in = new CountingInput(new DigestInputStream(raw, digest), bodyBytes, progress);
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new SnapshotFileException(file + " is not a kvstore snapshot (bad magic)");
            }
            SnapshotHeader header = readHeader(file, in);
            if (header.getFormatVersion() != FORMAT_VERSION) {
                throw new SnapshotFileException(file + " has format version " + header.getFormatVersion()
                        + "; this kvctl reads version " + FORMAT_VERSION);
            }
            long listed = header.getFilesList().stream().mapToLong(SnapshotFileEntry::getSizeBytes).sum();
            if (in.remaining() != listed) {
                throw new SnapshotFileException(file + " is truncated or damaged: its header lists " + listed
                        + " bytes of files, the file holds " + in.remaining());
            }
            try {
                copyFiles(header, in, targetDir);
                byte[] expected = raw.readNBytes(DIGEST_BYTES);
                if (!MessageDigest.isEqual(expected, digest.digest())) {
                    throw new SnapshotFileException(file + " failed its SHA-256 check: it is damaged");
                }
            } catch (IOException | RuntimeException e) {
                if (targetDir != null) {
                    SnapshotFiles.deleteRecursively(targetDir);
                }
                throw e;
            }
            return header;
        }
    }

    private static SnapshotHeader readHeader(Path file, CountingInput in) throws IOException {
        try {
            int length = com.google.protobuf.CodedInputStream.readRawVarint32(in.read(), in);
            if (length < 0 || length > HEADER_BYTES_MAX || length > in.remaining()) {
                throw new SnapshotFileException(file + " is damaged (header length " + length + ")");
            }
            return SnapshotHeader.parseFrom(in.readNBytes(length));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new SnapshotFileException(file + " is damaged (unreadable header: " + e.getMessage() + ")");
        }
    }

    private static void copyFiles(SnapshotHeader header, CountingInput in, Path targetDir) throws IOException {
        if (targetDir != null) {
            Files.createDirectories(targetDir);
        }
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        for (SnapshotFileEntry entry : header.getFilesList()) {
            OutputStream out = targetDir == null ? OutputStream.nullOutputStream()
                    : Files.newOutputStream(safeTarget(targetDir, entry.getPath()));
            try (out) {
                long left = entry.getSizeBytes();
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new SnapshotFileException("snapshot file ends inside " + entry.getPath());
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
            }
        }
    }

    /** A file path from the header, refused when it would leave the target directory. */
    private static Path safeTarget(Path targetDir, String path) throws IOException {
        Path target = targetDir.resolve(path).normalize();
        if (path.isEmpty() || Path.of(path).isAbsolute() || !target.startsWith(targetDir.normalize())) {
            throw new SnapshotFileException("snapshot lists a file outside its directory: '" + path + "'");
        }
        Files.createDirectories(target.getParent());
        return target;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** A file of the checkpoint, opened only when the reader gets to it (so few descriptors are open at once). */
    private static final class LazyFileStream extends InputStream {
        private final Path file;
        private InputStream in;

        LazyFileStream(Path file) {
            this.file = file;
        }

        private InputStream in() throws IOException {
            if (in == null) {
                in = new BufferedInputStream(Files.newInputStream(file), COPY_BUFFER_BYTES);
            }
            return in;
        }

        @Override
        public int read() throws IOException {
            return in().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in().read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    /** Reads at most {@code limit} bytes (the body before the digest) and reports progress. */
    private static final class CountingInput extends InputStream {
        private final InputStream in;
        private final long limit;
        private final LongConsumer progress;
        private long read;

        CountingInput(InputStream in, long limit, LongConsumer progress) {
            this.in = in;
            this.limit = limit;
            this.progress = progress;
        }

        long remaining() {
            return limit - read;
        }

        @Override
        public int read() throws IOException {
            if (read >= limit) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (read >= limit) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, limit - read));
            if (n > 0) {
                read += n;
                progress.accept(read);
            }
            return n;
        }
    }
}
