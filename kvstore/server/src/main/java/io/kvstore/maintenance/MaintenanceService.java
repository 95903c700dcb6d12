package io.kvstore.maintenance;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.InfoRequest;
import io.kvstore.api.v1.InfoResponse;
import io.kvstore.api.v1.MaintenanceGrpc;
import io.kvstore.api.v1.SnapshotChunk;
import io.kvstore.api.v1.SnapshotHeader;
import io.kvstore.api.v1.SnapshotRequest;
import io.kvstore.raft.snapshot.SnapshotFiles;
import io.kvstore.server.Replies;
import io.kvstore.server.StatusMapper;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.StateCheckpoints;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Maintenance gRPC service (maintenance.proto), answered by this member without forwarding.
 *
 * <p>Snapshot: a RocksDB checkpoint of the state machine goes into {@code <data-dir>/maintenance/snapshot-N}
 * (hard links, so it costs little disk until RocksDB compacts), then streams as a {@link SnapshotFile} under gRPC
 * flow control: a chunk is sent only when the transport is ready, so a slow reader holds at most one chunk in this
 * member's memory. The checkpoint is deleted when the stream ends, fails or is cancelled, and any left by a crash
 * is deleted at start. Threads: gRPC call threads; one snapshot's pump is serialized by its own lock.
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    private static final Logger log = LoggerFactory.getLogger(MaintenanceService.class);
    /** Under gRPC's 4 MiB message default with room to spare; large enough that per-message cost is noise. */
    static final int CHUNK_BYTES = 1 << 20;

    private final String memberName;
    private final String clusterId;
    private final KvStateMachine store;
    private final Path dataDir;
    private final Path workDir;
    private final AtomicLong sequence = new AtomicLong();

    /** Deletes checkpoints a crashed member left in {@code <dataDir>/maintenance}. */
    public MaintenanceService(String memberName, String clusterId, KvStateMachine store, Path dataDir)
            throws IOException {
        this.memberName = memberName;
        this.clusterId = clusterId;
        this.store = store;
        this.dataDir = dataDir;
        this.workDir = dataDir.resolve("maintenance");
        SnapshotFiles.deleteRecursively(workDir);
    }

    @Override
    public void info(InfoRequest request, StreamObserver<InfoResponse> response) {
        Replies.answer(response, () -> InfoResponse.newBuilder().setName(memberName)
                .setServerVersion(ServerVersion.get()).setDbSizeBytes(store.diskSizeBytes())
                .setRaftSizeBytes(StateCheckpoints.directoryBytes(dataDir.resolve("raft"))).build());
    }

    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotChunk> response) {
        ServerCallStreamObserver<SnapshotChunk> call = (ServerCallStreamObserver<SnapshotChunk>) response;
        Path dir = workDir.resolve("snapshot-" + sequence.incrementAndGet());
        Pump pump;
        try {
            Files.createDirectories(workDir);
            store.checkpoint(dir);
            StateCheckpoints.Position at = StateCheckpoints.read(dir);
            SnapshotHeader.Builder header = SnapshotHeader.newBuilder().setAppliedIndex(at.appliedIndex())
                    .setRevision(at.revision()).setMember(memberName).setClusterId(clusterId)
                    .setCreatedUnixMillis(System.currentTimeMillis()).setServerVersion(ServerVersion.get());
            pump = new Pump(call, SnapshotFile.encode(dir, header), dir);
            log.info("member {} streams a snapshot at index {} revision {} ({} bytes)", memberName,
                    at.appliedIndex(), at.revision(), pump.encoded.totalBytes());
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            Replies.fail(response, StatusMapper.internal(e));
            return;
        }
        call.setOnCancelHandler(pump::cancelled);
        call.setOnReadyHandler(pump::pump);
        pump.pump();
    }

    private static void deleteQuietly(Path dir) {
        try {
            SnapshotFiles.deleteRecursively(dir);
        } catch (IOException e) {
            log.warn("could not delete snapshot checkpoint {}: {}", dir, e.toString());
        }
    }

    /** Sends chunks while the transport is ready; the last one after the checksum. */
    private static final class Pump {
        private final ServerCallStreamObserver<SnapshotChunk> call;
        private final SnapshotFile.Encoded encoded;
        private final Path dir;
        private final byte[] buffer = new byte[CHUNK_BYTES];
        private boolean done;

        Pump(ServerCallStreamObserver<SnapshotChunk> call, SnapshotFile.Encoded encoded, Path dir) {
            this.call = call;
            this.encoded = encoded;
            this.dir = dir;
        }

        synchronized void pump() {
            try {
                while (!done && call.isReady()) {
                    int n = encoded.stream().readNBytes(buffer, 0, buffer.length);
                    if (n == 0) {
                        finish();
                        call.onCompleted();
                        return;
                    }
                    call.onNext(SnapshotChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, n))
                            .setTotalBytes(encoded.totalBytes()).build());
                }
            } catch (IOException | RuntimeException e) {
                if (!done) {
                    finish();
                    call.onError(StatusMapper.internal(e));
                }
            }
        }

        synchronized void cancelled() {
            finish();
        }

        private void finish() {
            if (done) {
                return;
            }
            done = true;
            try (InputStream in = encoded.stream()) {
                // closes the open checkpoint file, if any
            } catch (IOException e) {
                log.debug("closing snapshot stream: {}", e.toString());
            }
            deleteQuietly(dir);
        }
    }
}
