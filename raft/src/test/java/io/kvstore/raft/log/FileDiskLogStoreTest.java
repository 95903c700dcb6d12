package io.kvstore.raft.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SegmentedLogStore} on a real directory through {@link FileDisk}. */
class FileDiskLogStoreTest {
    private static final long SEED = 42;

    @TempDir
    Path directory;

    @Test
    void writtenLogRecoversAfterReopen() throws IOException {
        Random random = new Random(SEED);
        List<Entry> log = new ArrayList<>();
        HardState hardState = HardState.EMPTY;
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory), 1024)) {
            assertEquals(new RecoveredLog(HardState.EMPTY, List.of()), store.recover());
            for (int batch = 0; batch < 40; batch++) {
                List<Entry> entries = LogTestSupport.randomAppend(random, log.size());
                store.append(entries);
                LogTestSupport.applyAppend(log, entries);
                hardState = new HardState(batch, "member-" + batch % 3, log.size() / 2);
                store.saveHardState(hardState);
                store.sync();
            }
        }
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory), 1024)) {
            assertEquals(new RecoveredLog(hardState, log), store.recover(), "seed " + SEED);
        }
        try (var files = Files.list(directory)) {
            assertTrue(files.count() > 1, "1 KiB segments must roll");
        }
    }

    @Test
    void compactionDeletesSegmentFilesAndReopenRecovers() throws IOException {
        Random random = new Random(SEED);
        List<Entry> log = new ArrayList<>(); // log.get(i) has index snapshot.index() + 1 + i
        SnapshotMeta snapshot = SnapshotMeta.NONE;
        HardState hardState = HardState.EMPTY;
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory), 1024)) {
            store.recover();
            for (int batch = 0; batch < 60; batch++) {
                List<Entry> entries = LogTestSupport.randomEntries(random, snapshot.index() + log.size() + 1, 3);
                store.append(entries);
                log.addAll(entries);
                hardState = new HardState(batch, "member-" + batch % 3, snapshot.index() + log.size());
                store.saveHardState(hardState);
                store.sync();
            }
            assertTrue(segmentFiles().size() > 4, "seed " + SEED + ": 1 KiB segments must roll: " + segmentFiles());
            long index = snapshot.index() + log.size() - 5; // keep the last five entries
            snapshot = new SnapshotMeta(index, log.get((int) index - 1).term(), Membership.ofVoters(Set.of("a", "b")));
            store.compact(snapshot);
            log.subList(0, (int) index).clear();
            store.sync();
        }
        List<String> files = segmentFiles();
        // The last five entries lie in the last two batches (two segments at most), the marker in the last one.
        assertTrue(files.size() <= 3 && !files.contains("wal-0000000000000001.log"),
                "seed " + SEED + ": only the segments with the last five entries and the marker stay: " + files);
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory), 1024)) {
            assertEquals(new RecoveredLog(hardState, snapshot, log), store.recover(), "seed " + SEED);
            SnapshotMeta installed = new SnapshotMeta(snapshot.index() + 100, 9, Membership.ofVoters(Set.of("c")));
            store.installSnapshot(installed);
            store.sync();
            assertEquals(1, segmentFiles().size(), "seed " + SEED + ": an install frees every older segment");
            snapshot = installed;
        }
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory), 1024)) {
            assertEquals(new RecoveredLog(hardState, snapshot, List.of()), store.recover(), "seed " + SEED);
        }
    }

    private List<String> segmentFiles() throws IOException {
        try (var files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void foreignFileIsNotOurDirectory() throws IOException {
        Files.writeString(directory.resolve("notes.txt"), "hello");
        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> new SegmentedLogStore(new FileDisk(directory)).recover());
        assertTrue(e.getMessage().startsWith("not a kvstore raft log directory") && e.getMessage().contains("notes.txt"),
                e.getMessage());
    }

    @Test
    void segmentWithAnotherMagicIsNotOurDirectory() throws IOException {
        Files.writeString(directory.resolve("wal-0000000000000001.log"), "some other program's log, long enough");
        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> new SegmentedLogStore(new FileDisk(directory)).recover());
        assertTrue(e.getMessage().startsWith("not a kvstore raft log directory"), e.getMessage());
    }

    @Test
    void lastSegmentCutMidRecordLosesOnlyTheLastBatch() throws IOException {
        Random random = new Random(SEED);
        List<Entry> log = new ArrayList<>();
        List<Entry> logBeforeLastBatch = List.of();
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory))) {
            store.recover();
            for (int batch = 0; batch < 5; batch++) {
                logBeforeLastBatch = List.copyOf(log);
                List<Entry> entries = LogTestSupport.randomEntries(random, log.size() + 1, 3);
                store.append(entries);
                log.addAll(entries);
                store.sync();
            }
        }
        Path segment = directory.resolve("wal-0000000000000001.log");
        long cutBytes = 1 + random.nextInt(20); // inside the final batch, whose SYNC marker alone is 25 bytes
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(file.length() - cutBytes);
        }

        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory))) {
            RecoveredLog recovered = store.recover();
            assertEquals(logBeforeLastBatch, recovered.entries(), "seed " + SEED + ", cut " + cutBytes);
            List<Entry> more = LogTestSupport.randomEntries(random, recovered.entries().size() + 1, 2);
            store.append(more);
            store.sync();
            logBeforeLastBatch = new ArrayList<>(logBeforeLastBatch);
            logBeforeLastBatch.addAll(more);
        }
        try (SegmentedLogStore store = new SegmentedLogStore(new FileDisk(directory))) {
            assertEquals(logBeforeLastBatch, store.recover().entries(), "seed " + SEED + ": appends after the cut");
        }
    }
}
