package io.kvstore.raft.snapshot;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * What a snapshot directory holds: the raft metadata ({@link SnapshotMeta}) and, per file of the state machine's
 * data, its path relative to the data directory, size and CRC32C. Immutable.
 *
 * <p>Stored as the text file {@code MANIFEST} (readable by eye, like the membership text form) and sent as the same
 * bytes in the first chunk of a transfer:
 * <pre>
 * kvstore-snapshot 1
 * index 1200
 * term 3
 * membership voters=n1,n2,n3;learners=
 * file 0a1b2c3d 4096 db/000012.sst
 * crc 5e6f7a8b
 * </pre>
 * The last line is the CRC32C of every byte before it, so a torn or flipped manifest is refused like a bad file.
 */
public record SnapshotManifest(SnapshotMeta meta, List<FileInfo> files) {
    /** File name of the manifest inside a snapshot directory. */
    public static final String FILE_NAME = "MANIFEST";
    private static final String MAGIC = "kvstore-snapshot 1";
    /**
     * Relative paths we accept: plain names separated by '/', no "..", no absolute paths. A manifest comes from
     * another member; this keeps a corrupt or hostile one from writing outside the snapshot directory.
     */
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){0,7}");
    /** Far more files than a RocksDB checkpoint of a config store has; bounds what a manifest may ask us to hold. */
    static final int FILES_MAX = 100_000;

    /** One file of the snapshot's data. */
    public record FileInfo(String path, long sizeBytes, int crc32c) {
        public FileInfo {
            if (path == null || !PATH.matcher(path).matches() || path.contains("..")) {
                throw new IllegalArgumentException("bad snapshot file path: '" + path + "'");
            }
            if (sizeBytes < 0) {
                throw new IllegalArgumentException("negative size of snapshot file " + path + ": " + sizeBytes);
            }
        }
    }

    public SnapshotManifest {
        Objects.requireNonNull(meta, "meta");
        files = List.copyOf(files);
        if (files.size() > FILES_MAX) {
            throw new IllegalArgumentException("snapshot has " + files.size() + " files, more than " + FILES_MAX);
        }
        Set<String> seen = new HashSet<>();
        for (FileInfo f : files) {
            if (!seen.add(f.path())) {
                throw new IllegalArgumentException("snapshot file listed twice: " + f.path());
            }
        }
    }

    /** Total bytes of the data files. */
    public long sizeBytes() {
        long total = 0;
        for (FileInfo f : files) {
            total += f.sizeBytes();
        }
        return total;
    }

    /** The file named {@code path}, or null. */
    public FileInfo file(String path) {
        for (FileInfo f : files) {
            if (f.path().equals(path)) {
                return f;
            }
        }
        return null;
    }

    public ByteString encode() {
        StringBuilder text = new StringBuilder(MAGIC).append('\n')
                .append("index ").append(meta.index()).append('\n')
                .append("term ").append(meta.term()).append('\n')
                .append("membership ").append(meta.membership().encode().toStringUtf8()).append('\n');
        for (FileInfo f : files) {
            text.append("file ").append(hex(f.crc32c())).append(' ').append(f.sizeBytes()).append(' ')
                    .append(f.path()).append('\n');
        }
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteString.copyFrom(body).concat(ByteString.copyFromUtf8("crc " + hex((int) crc.getValue()) + "\n"));
    }

    /**
     * Parses and checks a manifest.
     *
     * @throws IllegalArgumentException when the bytes are not a complete, intact manifest (the message says why)
     */
    public static SnapshotManifest decode(ByteString bytes) {
        String text = bytes.toStringUtf8();
        int crcLine = text.lastIndexOf("crc ");
        if (!text.startsWith(MAGIC + "\n") || crcLine < 0 || !text.endsWith("\n")) {
            throw new IllegalArgumentException("not a complete snapshot manifest");
        }
        CRC32C crc = new CRC32C();
        crc.update(text.substring(0, crcLine).getBytes(StandardCharsets.UTF_8));
        String stored = text.substring(crcLine + 4, text.length() - 1);
        if (!stored.equals(hex((int) crc.getValue()))) {
            throw new IllegalArgumentException("snapshot manifest checksum mismatch: stored " + stored + ", computed "
                    + hex((int) crc.getValue()));
        }
        String[] lines = text.substring(0, crcLine).split("\n");
        if (lines.length < 4 || !lines[1].startsWith("index ") || !lines[2].startsWith("term ")
                || !lines[3].startsWith("membership ")) {
            throw new IllegalArgumentException("snapshot manifest lacks index, term or membership");
        }
        try {
            SnapshotMeta meta = new SnapshotMeta(Long.parseLong(lines[1].substring(6)),
                    Long.parseLong(lines[2].substring(5)),
                    Membership.decode(ByteString.copyFromUtf8(lines[3].substring(11))));
            List<FileInfo> files = new ArrayList<>();
            for (int i = 4; i < lines.length; i++) {
                String[] parts = lines[i].split(" ", 4);
                if (parts.length != 4 || !parts[0].equals("file")) {
                    throw new IllegalArgumentException("bad snapshot manifest line: '" + lines[i] + "'");
                }
                files.add(new FileInfo(parts[3], Long.parseLong(parts[2]), Integer.parseUnsignedInt(parts[1], 16)));
            }
            return new SnapshotManifest(meta, files);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in snapshot manifest: " + e.getMessage(), e);
        }
    }

    static String hex(int crc) {
        return String.format("%08x", crc);
    }
}
