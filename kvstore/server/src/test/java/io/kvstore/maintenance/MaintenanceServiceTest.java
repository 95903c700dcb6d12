package io.kvstore.maintenance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.InfoRequest;
import io.kvstore.api.v1.InfoResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.MaintenanceGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.SnapshotChunk;
import io.kvstore.api.v1.SnapshotHeader;
import io.kvstore.api.v1.SnapshotRequest;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maintenance service on a real member over loopback gRPC: a streamed snapshot is a valid file at the member's
 * state, the checkpoint is cleaned up, and {@link SnapshotRestore} turns it into a data directory from which a new
 * member starts with that state and goes on writing.
 */
class MaintenanceServiceTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);

    @Test
    void snapshotStreamsTheStateAndRestoreStartsANewMemberFromIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("backup.kvsnap");
        long revision;
        try (KvServer server = KvServer.start(TestServers.single(dir.resolve("old")))) {
            ManagedChannel channel = TestServers.channel(server.clientAddress());
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
                Awaiting.until(() -> {
                    try {
                        kv.put(PutRequest.newBuilder().setPath("/a").setValue(ByteString.copyFromUtf8("1")).build());
                        return true;
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                }, AWAIT, () -> "first write");
                for (int i = 0; i < 50; i++) {
                    kv.put(PutRequest.newBuilder().setPath("/a").setValue(ByteString.copyFromUtf8("v" + i)).build());
                }
                revision = kv.get(GetRequest.newBuilder().setPath("/a").build()).getHeader().getRevision();
                MaintenanceGrpc.MaintenanceBlockingStub m = MaintenanceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(1, TimeUnit.MINUTES);
                InfoResponse info = m.info(InfoRequest.getDefaultInstance());
                assertEquals("n1", info.getName());
                assertTrue(info.getDbSizeBytes() > 0 && info.getRaftSizeBytes() > 0, info.toString());
                long total = -1;
                try (OutputStream out = Files.newOutputStream(file)) {
                    Iterator<SnapshotChunk> chunks = m.snapshot(SnapshotRequest.getDefaultInstance());
                    while (chunks.hasNext()) {
                        SnapshotChunk c = chunks.next();
                        total = c.getTotalBytes();
                        c.getData().writeTo(out);
                    }
                }
                assertEquals(total, Files.size(file), "total_bytes announces the file's size");
                Path work = dir.resolve("old").resolve("maintenance");
                Awaiting.until(() -> !Files.exists(work) || isEmpty(work), AWAIT, () -> "checkpoint deleted");
            } finally {
                channel.shutdownNow();
            }
        }
        SnapshotHeader header = SnapshotFile.read(file, null, n -> { });
        assertEquals(revision, header.getRevision());
        assertEquals(SnapshotFile.FORMAT_VERSION, header.getFormatVersion());

        // Damaged: one flipped byte anywhere fails the SHA-256 and leaves no directory behind.
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 40] ^= 0x10;
        Path damaged = dir.resolve("damaged.kvsnap");
        Files.write(damaged, bytes);
        assertThrows(SnapshotFileException.class, () -> SnapshotFile.read(damaged, dir.resolve("x"), n -> { }));
        assertFalse(Files.exists(dir.resolve("x")));
        Files.write(damaged, java.util.Arrays.copyOf(Files.readAllBytes(file), (int) Files.size(file) - 100));
        assertThrows(SnapshotFileException.class, () -> SnapshotFile.read(damaged, null, n -> { }));

        HostPort peer = TestServers.freePeerAddress();
        Path restored = dir.resolve("new");
        SnapshotRestore.restore(file, restored, "r1", "r1=" + peer, n -> { });
        assertThrows(IllegalArgumentException.class,
                () -> SnapshotRestore.restore(file, restored, "r1", "r1=" + peer, n -> { }), "not empty");
        assertThrows(IllegalArgumentException.class,
                () -> SnapshotRestore.restore(file, dir.resolve("other"), "r2", "r1=" + peer, n -> { }));
        ServerConfig config = new ServerConfig("r1", restored, new HostPort("127.0.0.1", 0), peer,
                Map.of("r1", peer), "restored");
        try (KvServer server = KvServer.start(config)) {
            ManagedChannel channel = TestServers.channel(server.clientAddress());
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
                Awaiting.until(() -> {
                    try {
                        kv.put(PutRequest.newBuilder().setPath("/b").setValue(ByteString.copyFromUtf8("new")).build());
                        return true;
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                }, AWAIT, () -> "restored member writable");
                var a = kv.get(GetRequest.newBuilder().setPath("/a").build());
                assertArrayEquals("v49".getBytes(), a.getValue().toByteArray());
                var b = kv.get(GetRequest.newBuilder().setPath("/b").build());
                assertEquals(revision + 1, b.getHeader().getRevision(), "the revision continues from the snapshot");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static boolean isEmpty(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
