package io.kvstore.raft.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Damage on a {@link SimulatedDisk}: a flipped bit in an acknowledged record must stop the member; garbage after
 * the last acknowledged batch must be cut off, logged, and written over.
 *
 * <p>The one blind spot, by design: a flip inside the very last SYNC marker looks exactly like a torn write of that
 * marker, so recovery drops the final batch. Nothing can tell the two apart without a second copy of the marker.
 * After compaction there is a second possible outcome: when the final batch held the snapshot marker that justified
 * deleting the first segments, dropping it leaves their absence unexplained, and recovery refuses to start.
 */
class SegmentedLogStoreCorruptionTest {

    /** A log written in synced batches, and where its final SYNC marker starts. */
    private static final class Written {
        SnapshotMeta snapshot = SnapshotMeta.NONE;
        final List<Entry> log = new ArrayList<>(); // log.get(i) has index snapshot.index() + 1 + i
        HardState hardState = HardState.EMPTY;
        SnapshotMeta snapshotBeforeFinal;
        List<Entry> logBeforeFinal;
        HardState hardStateBeforeFinal;
        String lastSegment;
        /** Offset of the final SYNC marker in {@link #lastSegment}: every flip before it must be detected. */
        long finalMarkerOffset;
    }

    @Test
    void flippedBitBeforeTheFinalSyncMarkerIsCorruption() throws IOException {
        flippedBitsAreDetected(false);
    }

    /** Compaction deletes segments and writes SNAPSHOT records; every byte of the kept segments stays checked. */
    @Test
    void flippedBitInAKeptSegmentAfterCompactionIsCorruption() throws IOException {
        flippedBitsAreDetected(true);
    }

    private void flippedBitsAreDetected(boolean compacting) throws IOException {
        long[] seeds = LogTestSupport.seeds(300);
        int detected = 0;
        int frontDeleted = 0;
        for (long seed : seeds) {
            Random random = LogTestSupport.random(seed);
            SimulatedDisk disk = new SimulatedDisk();
            long segmentBytesMax = 128 + random.nextInt(512);
            int batches = compacting ? 6 + random.nextInt(12) : 2 + random.nextInt(8);
            Written written = writeBatches(disk, segmentBytesMax, random, batches, compacting);
            if (!disk.list().contains(WalFormat.segmentName(1))) {
                frontDeleted++;
            }
            SimulatedDisk.BitFlip flip = disk.flipRandomBit(random);
            String context = LogTestSupport.replay("SegmentedLogStoreCorruptionTest", seed) + "; flipped " + flip;
            boolean acknowledged = !flip.file().equals(written.lastSegment) || flip.offset() < written.finalMarkerOffset;
            if (acknowledged) {
                CorruptLogException e = assertThrows(CorruptLogException.class,
                        () -> new SegmentedLogStore(disk, segmentBytesMax).recover(), context);
                assertTrue(e.getMessage().contains(flip.file()), context + ": message names the file: " + e.getMessage());
                assertTrue(e.getMessage().contains("must not start") || e.getMessage().contains("refusing to start"),
                        context + ": " + e.getMessage());
                detected++;
                disk.unflip();
                assertRecovers(disk, segmentBytesMax, written.snapshot, written.log, written.hardState,
                        context + ", repaired");
            } else if (compacting && recoveryRefuses(disk, segmentBytesMax)) {
                // The final batch's marker let segments go; without it the missing front is detected, not papered over.
                disk.unflip();
                assertRecovers(disk, segmentBytesMax, written.snapshot, written.log, written.hardState,
                        context + ", repaired");
            } else {
                // The flip hit the final marker: to recovery the final batch is a torn write, never acknowledged.
                assertRecovers(disk, segmentBytesMax, written.snapshotBeforeFinal, written.logBeforeFinal,
                        written.hardStateBeforeFinal, context);
            }
        }
        assertTrue(detected > seeds.length / 2, "too few flips landed before the final marker: " + detected);
        if (compacting && seeds.length >= 100) {
            assertTrue(frontDeleted > seeds.length / 2, "too few logs had compacted segments deleted: " + frontDeleted);
        }
    }

    @Test
    void garbageAfterTheLastSyncIsCutLoggedAndWrittenOver() throws IOException {
        for (long seed : LogTestSupport.seeds(50)) {
            Random random = LogTestSupport.random(seed);
            String context = LogTestSupport.replay("SegmentedLogStoreCorruptionTest", seed);
            SimulatedDisk disk = new SimulatedDisk();
            long segmentBytesMax = 128 + random.nextInt(512);
            Written written = writeBatches(disk, segmentBytesMax, random, 1 + random.nextInt(6));
            long syncedBytes = disk.durableSize(written.lastSegment);
            byte[] garbage = new byte[1 + random.nextInt(60)];
            random.nextBytes(garbage);
            try (DiskFile file = disk.open(written.lastSegment)) {
                file.append(ByteBuffer.wrap(garbage));
                file.force(); // the worst case: the torn bytes themselves reached the platter
            }

            String log = captureStderr(() ->
                    assertRecovers(disk, segmentBytesMax, written.log, written.hardState, context).close());
            assertTrue(log.contains("WARN") && log.contains(written.lastSegment) && log.contains("offset " + syncedBytes),
                    context + ": one WARN line naming file and offset, got: " + log);
            assertEquals(syncedBytes, disk.durableSize(written.lastSegment), context + ": tail cut at the last marker");

            SegmentedLogStore store = assertRecovers(disk, segmentBytesMax, written.log, written.hardState, context);
            List<Entry> more = LogTestSupport.randomAppend(random, written.log.size());
            store.append(more);
            HardState hardState = LogTestSupport.randomHardState(random, written.log.size());
            store.saveHardState(hardState);
            store.sync();
            store.close();
            LogTestSupport.applyAppend(written.log, more);
            assertRecovers(disk, segmentBytesMax, written.log, hardState, context + ", after appending again").close();
        }
    }

    private static Written writeBatches(SimulatedDisk disk, long segmentBytesMax, Random random, int batches)
            throws IOException {
        return writeBatches(disk, segmentBytesMax, random, batches, false);
    }

    /**
     * Writes {@code batches} synced batches on a fresh disk and notes where the final marker starts; when
     * {@code compacting}, most batches also compact (at a random index, often all) or now and then install.
     */
    private static Written writeBatches(SimulatedDisk disk, long segmentBytesMax, Random random, int batches,
                                        boolean compacting) throws IOException {
        Written written = new Written();
        try (SegmentedLogStore store = new SegmentedLogStore(disk, segmentBytesMax)) {
            store.recover();
            for (int batch = 0; batch < batches; batch++) {
                boolean last = batch == batches - 1;
                if (last) {
                    written.snapshotBeforeFinal = written.snapshot;
                    written.logBeforeFinal = List.copyOf(written.log);
                    written.hardStateBeforeFinal = written.hardState;
                }
                for (int append = random.nextInt(3); append >= 0; append--) {
                    long snapshotIndex = written.snapshot.index();
                    List<Entry> entries = LogTestSupport.randomAppend(random, snapshotIndex + written.log.size(),
                            snapshotIndex);
                    store.append(entries);
                    LogTestSupport.applyAppend(written.log, snapshotIndex, entries);
                }
                int lastIndex = (int) (written.snapshot.index() + written.log.size());
                if (random.nextBoolean()) {
                    written.hardState = LogTestSupport.randomHardState(random, lastIndex);
                    store.saveHardState(written.hardState);
                }
                if (compacting) {
                    compactOrInstall(store, written, random);
                }
                store.sync();
                if (last) {
                    written.lastSegment = lastSegment(disk);
                    written.finalMarkerOffset = disk.durableSize(written.lastSegment) - WalFormat.SYNC_RECORD_BYTES;
                }
            }
        }
        return written;
    }

    /** Whether recovery stops on a missing front; recovery does not write when it fails this way. */
    private static boolean recoveryRefuses(SimulatedDisk disk, long segmentBytesMax) throws IOException {
        try (SegmentedLogStore store = new SegmentedLogStore(disk, segmentBytesMax)) {
            store.recover();
            return false;
        } catch (CorruptLogException e) {
            assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("must not start"), e.getMessage());
            return true;
        }
    }

    private static void compactOrInstall(SegmentedLogStore store, Written written, Random random) throws IOException {
        long snapshotIndex = written.snapshot.index();
        long lastIndex = snapshotIndex + written.log.size();
        int choice = random.nextInt(8);
        if (choice == 0) {
            written.snapshot = LogTestSupport.randomSnapshot(random, lastIndex + random.nextInt(4));
            store.installSnapshot(written.snapshot);
            written.log.clear();
        } else if (choice < 5) {
            long index = random.nextBoolean() ? lastIndex
                    : snapshotIndex + random.nextInt((int) (lastIndex - snapshotIndex) + 1);
            written.snapshot = LogTestSupport.randomSnapshot(random, index);
            store.compact(written.snapshot);
            written.log.subList(0, (int) (index - snapshotIndex)).clear();
        }
    }

    private static String lastSegment(SimulatedDisk disk) throws IOException {
        return disk.list().stream().max(String::compareTo).orElse(null);
    }

    private static SegmentedLogStore assertRecovers(SimulatedDisk disk, long segmentBytesMax, List<Entry> entries,
                                                    HardState hardState, String context) throws IOException {
        return assertRecovers(disk, segmentBytesMax, SnapshotMeta.NONE, entries, hardState, context);
    }

    private static SegmentedLogStore assertRecovers(SimulatedDisk disk, long segmentBytesMax, SnapshotMeta snapshot,
                                                    List<Entry> entries, HardState hardState, String context)
            throws IOException {
        SegmentedLogStore store = new SegmentedLogStore(disk, segmentBytesMax);
        RecoveredLog recovered = store.recover();
        assertEquals(snapshot, recovered.snapshot(), context + ": snapshot");
        assertEquals(entries, recovered.entries(), context + ": entries");
        assertEquals(hardState, recovered.hardState(), context + ": hard state");
        return store;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** Runs {@code action} with System.err captured (slf4j-simple writes there) and returns what it printed. */
    private static String captureStderr(IoAction action) throws IOException {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
