package io.kvstore.maintenance;

import io.kvstore.api.v1.SnapshotHeader;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.log.FileDisk;
import io.kvstore.raft.log.SegmentedLogStore;
import io.kvstore.raft.snapshot.SnapshotFiles;
import io.kvstore.raft.snapshot.SnapshotStore;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.store.StateCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Turns a snapshot file into the data directory of one member of a NEW cluster that starts from the snapshot's
 * state (kvctl snapshot restore; the offline disaster-recovery path, like etcd's snapshot restore).
 *
 * <p>What it writes, in an empty {@code --data-dir}, reusing the raft snapshot machinery instead of a special
 * start mode:
 * <pre>
 *   raft/snapshots/N-1/   a complete raft snapshot at the file's applied index N, term 1: the checkpoint as the
 *                         state machine's snapshot data (data/db), and a manifest with CRC32Cs and the membership
 *                         given by --cluster (all voters)
 *   raft/log/             an empty log whose snapshot marker is N (term 1) and whose hard state commits N
 * </pre>
 * At its first start kvserver finds the marker ahead of its (empty) state machine and restores the state from that
 * snapshot, exactly as after a crash during a snapshot install. Because every restored member's log begins after
 * N, a member that joins later with an empty directory is sent a raft snapshot rather than entries from index 1,
 * so it cannot diverge. The old cluster's membership, log and terms are not carried over; its sessions are (they
 * expire on the new cluster unless their clients reconnect in time).
 *
 * <p>Every member of the new cluster is restored from the same file with its own --name and the same --cluster;
 * then each is started with that --name and --cluster (and any --cluster-id: it is written at first start).
 */
public final class SnapshotRestore {
    /** The new cluster's history starts at term 1; its first election makes term 2. */
    static final long TERM = 1;
    /** KvStateMachine.snapshot writes its checkpoint in this subdirectory of a snapshot's data directory. */
    private static final String STATE_SNAPSHOT_DB = "db";

    private SnapshotRestore() {
    }

    /** What was restored. */
    public record Result(SnapshotHeader header, Path dataDir, Map<String, String> cluster) {}

    /**
     * Restores {@code snapshotFile} into {@code dataDir} for member {@code name} of a cluster whose members are
     * {@code clusterText} ({@code n1=host:port,...}, as kvserver's --cluster).
     *
     * @throws IllegalArgumentException when the data directory is not empty, or the name or cluster is invalid
     * @throws SnapshotFileException when the file is damaged (nothing is left in {@code dataDir} then)
     */
    public static Result restore(Path snapshotFile, Path dataDir, String name, String clusterText,
            LongConsumer progress) throws IOException {
        Objects.requireNonNull(name, "name");
        Map<String, HostPort> cluster = ServerConfig.parseCluster(clusterText);
        if (!cluster.containsKey(name)) {
            throw new IllegalArgumentException("--name " + name + " is not in --cluster " + clusterText);
        }
        requireEmpty(dataDir);
        boolean created = !Files.exists(dataDir);
        try {
            return write(snapshotFile, dataDir, cluster, progress);
        } catch (IOException | RuntimeException e) {
            // Leave nothing half-restored behind: a later kvserver start must not see a partial directory.
            if (created) {
                SnapshotFiles.deleteRecursively(dataDir);
            } else {
                SnapshotFiles.deleteRecursively(dataDir.resolve("raft"));
            }
            throw e;
        }
    }

    private static Result write(Path snapshotFile, Path dataDir, Map<String, HostPort> cluster,
            LongConsumer progress) throws IOException {
        Path staging = dataDir.resolve("restore.tmp");
        SnapshotHeader header = SnapshotFile.read(snapshotFile, staging.resolve(STATE_SNAPSHOT_DB), progress);
        long index = header.getAppliedIndex();
        StateCheckpoints.Position at = StateCheckpoints.read(staging.resolve(STATE_SNAPSHOT_DB));
        if (at.appliedIndex() != index || at.revision() != header.getRevision()) {
            throw new SnapshotFileException(snapshotFile + ": header says index " + index + " revision "
                    + header.getRevision() + " but the state holds index " + at.appliedIndex() + " revision "
                    + at.revision());
        }
        if (index < 1) {
            throw new SnapshotFileException(snapshotFile + " holds an empty state (applied index 0): nothing "
                    + "to restore; start a new cluster instead");
        }
        Map<String, String> addresses = new TreeMap<>();
        cluster.forEach((member, address) -> addresses.put(member, address.toString()));
        SnapshotMeta meta = new SnapshotMeta(index, TERM,
                new Membership(addresses.keySet(), java.util.Set.of(), addresses));

        SnapshotStore snapshots = new SnapshotStore(dataDir.resolve("raft").resolve("snapshots"));
        Path data = snapshots.newTempDir(index);
        Files.move(staging.resolve(STATE_SNAPSHOT_DB), data.resolve(STATE_SNAPSHOT_DB));
        SnapshotFiles.deleteRecursively(staging);
        snapshots.commit(snapshots.prepare(data, index), meta);

        try (SegmentedLogStore log = new SegmentedLogStore(new FileDisk(dataDir.resolve("raft").resolve("log")))) {
            log.recover();
            log.installSnapshot(meta);
            log.saveHardState(new HardState(TERM, null, index));
            log.sync();
        }
        SnapshotFiles.fsyncDirectory(dataDir);
        return new Result(header, dataDir, new LinkedHashMap<>(addresses));
    }

    private static void requireEmpty(Path dataDir) throws IOException {
        if (!Files.exists(dataDir)) {
            return;
        }
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("--data-dir " + dataDir + " is not a directory");
        }
        try (Stream<Path> entries = Files.list(dataDir)) {
            List<Path> present = entries.limit(3).toList();
            if (!present.isEmpty()) {
                throw new IllegalArgumentException("--data-dir " + dataDir + " is not empty (holds "
                        + present.get(0).getFileName() + "...): restore only into a new, empty directory");
            }
        }
    }
}
