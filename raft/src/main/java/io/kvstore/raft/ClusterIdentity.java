package io.kvstore.raft;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The {@code cluster.properties} file that ties a data directory to one member of one cluster. Written on first
 * start, checked on every later one: starting member n2 on n1's directory, or with another cluster's id, would
 * corrupt the cluster's log, so it is refused before anything on disk is touched. The file also records the
 * bootstrap member list ({@code (joined)} for a member that joined an existing cluster); {@link RaftNode} compares
 * the configured list with it and with the membership in the log.
 */
final class ClusterIdentity {
    static final String FILE_NAME = "cluster.properties";

    private record Identity(String clusterId, String memberId, String members) {
        @Override
        public String toString() {
            return "member '" + memberId + "' of cluster '" + clusterId + "' (members " + members + ")";
        }
    }

    private ClusterIdentity() {}

    /**
     * Writes the identity file into {@code raftDir} (creating the directory) or checks the existing one.
     *
     * @throws IllegalStateException when the directory belongs to another member, cluster or member set
     * @throws IOException when the file cannot be read or written
     */
    static final String JOINED = "(joined)";

    /** @return the bootstrap member list recorded for this directory (comma-separated), or {@link #JOINED} */
    static String checkOrWrite(Path raftDir, RaftNodeOptions options) throws IOException {
        Identity configured = new Identity(options.clusterId(), options.id(),
                options.join() ? JOINED : String.join(",", new TreeSet<>(options.members().keySet())));
        Path file = raftDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            write(raftDir, file, configured);
            return configured.members;
        }
        Identity stored = read(file);
        if (!stored.clusterId.equals(configured.clusterId) || !stored.memberId.equals(configured.memberId)) {
            throw new IllegalStateException("data directory " + raftDir + " belongs to " + stored
                    + " but this member is configured as " + configured + ". Start it with the settings in " + file
                    + ", or give it its own empty data directory; nothing on disk was changed.");
        }
        return stored.members;
    }

    private static Identity read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return new Identity(properties.getProperty("cluster.id"), properties.getProperty("member.id"),
                properties.getProperty("members"));
    }

    private static void write(Path raftDir, Path file, Identity identity) throws IOException {
        Files.createDirectories(raftDir);
        Properties properties = new Properties();
        properties.setProperty("cluster.id", identity.clusterId);
        properties.setProperty("member.id", identity.memberId);
        properties.setProperty("members", identity.members);
        // Write, fsync, rename, fsync the directory: a crash leaves either no file or the whole file.
        Path tmp = raftDir.resolve(FILE_NAME + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            properties.store(writer, "Identity of this raft data directory; do not edit");
        }
        force(tmp);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        force(raftDir);
    }

    private static void force(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fsync " + path, e);
        }
    }
}
