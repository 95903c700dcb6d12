package io.kvstore.raft.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.snapshot.SnapshotStore.SnapshotId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot store on a real directory: round trip, checks, retention, clean-up at start. */
class SnapshotStoreTest {
    static final Membership MEMBERS = new Membership(Set.of("n1", "n2", "n3"), Set.of("n4"),
            Map.of("n4", "127.0.0.1:7004"));

    @TempDir
    Path dir;

    /** Takes a local snapshot at {@code index} with a few files (one in a subdirectory, one empty). */
    static SnapshotManifest take(SnapshotStore store, long index, long term, long seed) throws Exception {
        Path data = store.newTempDir(index);
        Random random = new Random(seed);
        byte[] big = new byte[50_000 + random.nextInt(1000)];
        random.nextBytes(big);
        Files.write(data.resolve("big.bin"), big);
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("sub/small.txt"), "state at " + index);
        Files.write(data.resolve("empty"), new byte[0]);
        return store.commit(store.prepare(data, index), new SnapshotMeta(index, term, MEMBERS));
    }

    @Test
    void roundTripKeepsMetaFilesAndChecksums() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        SnapshotManifest written = take(store, 120, 3, 1);
        SnapshotId id = new SnapshotId(120, 3);
        assertTrue(store.contains(id));
        assertEquals(written, store.verify(id));
        assertEquals(new SnapshotMeta(120, 3, MEMBERS), store.readManifest(id).meta());
        assertEquals(List.of("big.bin", "empty", "sub/small.txt"),
                written.files().stream().map(SnapshotManifest.FileInfo::path).toList());
        assertEquals("state at 120", Files.readString(store.dataDir(id).resolve("sub/small.txt")));
        assertEquals(written, SnapshotManifest.decode(written.encode()));
    }

    @Test
    void aDamagedFileOrManifestIsRefused() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        take(store, 10, 1, 2);
        SnapshotId id = new SnapshotId(10, 1);
        Path big = store.dataDir(id).resolve("big.bin");
        byte[] bytes = Files.readAllBytes(big);
        bytes[777] ^= 0x10;
        Files.write(big, bytes);
        assertThrows(SnapshotCorruptException.class, () -> store.verify(id));

        take(store, 20, 1, 3);
        SnapshotId other = new SnapshotId(20, 1);
        Path manifest = store.dir(other).resolve(SnapshotManifest.FILE_NAME);
        byte[] text = Files.readAllBytes(manifest);
        text[30] ^= 0x01;
        Files.write(manifest, text);
        assertThrows(SnapshotCorruptException.class, () -> store.readManifest(other));
    }

    @Test
    void manifestRefusesPathsOutsideTheSnapshot() {
        assertThrows(IllegalArgumentException.class, () -> new SnapshotManifest.FileInfo("../x", 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SnapshotManifest.FileInfo("/etc/passwd", 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SnapshotManifest.FileInfo("a/../../b", 1, 0));
    }

    @Test
    void retainsTheNewestTwoAndTheOneInUse() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        for (long index = 100; index <= 500; index += 100) {
            take(store, index, 2, index);
        }
        store.retain(new SnapshotId(500, 2));
        assertEquals(List.of(new SnapshotId(400, 2), new SnapshotId(500, 2)), store.list());

        take(store, 600, 2, 600);
        take(store, 700, 3, 700);
        store.retain(new SnapshotId(500, 2)); // the log's marker still names 500
        assertEquals(List.of(new SnapshotId(500, 2), new SnapshotId(600, 2), new SnapshotId(700, 3)), store.list());
    }

    @Test
    void startCleansTempAndStalePartialDirsButKeepsNewerPartials() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        take(store, 300, 2, 4);
        Path temp = store.newTempDir(350); // a local snapshot interrupted by a crash
        Files.writeString(temp.resolve("half"), "x");
        Files.createDirectories(store.partialDataDir(new SnapshotId(200, 1)));
        Files.createDirectories(store.partialDataDir(new SnapshotId(400, 2)));

        SnapshotStore reopened = new SnapshotStore(dir.resolve("snapshots"));
        reopened.cleanUpAtStart();
        assertFalse(Files.exists(temp.getParent()));
        assertFalse(Files.exists(reopened.partialDir(new SnapshotId(200, 1))));
        assertTrue(Files.exists(reopened.partialDir(new SnapshotId(400, 2))));
        assertEquals(List.of(new SnapshotId(300, 2)), reopened.list());
    }

    @Test
    void aStoreThatNeverSnapshottedCreatesNothing() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("none"));
        store.cleanUpAtStart();
        assertEquals(List.of(), store.list());
        assertFalse(Files.exists(dir.resolve("none")));
    }
}
