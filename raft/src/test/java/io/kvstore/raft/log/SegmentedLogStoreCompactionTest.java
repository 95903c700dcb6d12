package io.kvstore.raft.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Compaction of {@link SegmentedLogStore} on a {@link SimulatedDisk}: what a caller may not do, when recovery
 * accepts a log whose first segments are gone, a power loss at every disk sync of a compaction or install, and a
 * long run whose segment count stays bounded. Seeded; a failure names its seed.
 */
class SegmentedLogStoreCompactionTest {
    private static final long SEGMENT_BYTES_MAX = 256;
    private static final Membership MEMBERS = Membership.ofVoters(Set.of("a", "b", "c"));

    /** What a store wrote and synced: the state recovery must return. */
    private record Synced(SnapshotMeta snapshot, List<Entry> entries, HardState hardState) {
        RecoveredLog recovered() {
            return new RecoveredLog(hardState, snapshot, entries);
        }
    }

    @Test
    void callerBugsAreIllegalArguments() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            store.recover();
            store.append(LogTestSupport.randomEntries(new Random(1), 1, 10));
            store.compact(new SnapshotMeta(6, 1, MEMBERS));
            assertThrows(IllegalArgumentException.class,
                    () -> store.append(LogTestSupport.randomEntries(new Random(2), 6, 2)), "append at the snapshot");
            assertThrows(IllegalArgumentException.class,
                    () -> store.compact(new SnapshotMeta(11, 1, MEMBERS)), "compact beyond the last index");
            assertThrows(IllegalArgumentException.class,
                    () -> store.compact(new SnapshotMeta(5, 1, MEMBERS)), "compact going back");
            assertThrows(IllegalArgumentException.class,
                    () -> store.installSnapshot(new SnapshotMeta(5, 1, MEMBERS)), "install going back");
            store.append(LogTestSupport.randomEntries(new Random(3), 7, 2)); // replacing a suffix above it is fine
            store.installSnapshot(new SnapshotMeta(20, 2, MEMBERS));
            assertThrows(IllegalArgumentException.class,
                    () -> store.append(LogTestSupport.randomEntries(new Random(4), 22, 1)), "gap after an install");
            store.append(LogTestSupport.randomEntries(new Random(5), 21, 1));
            store.sync();
        }
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            RecoveredLog recovered = store.recover();
            assertEquals(new SnapshotMeta(20, 2, MEMBERS), recovered.snapshot());
            assertEquals(21, recovered.entries().get(0).index());
            assertEquals(1, recovered.entries().size());
        }
    }

    @Test
    void missingFirstSegmentsWithoutASnapshotMarkerAreCorruption() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Synced synced = write(disk, new Random(7), 30);
        assertTrue(disk.list().size() > 3, "several segments: " + disk.list());
        disk.delete(WalFormat.segmentName(1));
        disk.syncDirectory();
        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> new SegmentedLogStore(disk, SEGMENT_BYTES_MAX).recover(), "last index " + lastIndex(synced));
        assertTrue(e.getMessage().contains("no durable snapshot marker covers them")
                && e.getMessage().contains("must not start"), e.getMessage());
    }

    @Test
    void compactionDeletesTheFrontAndRecoveryAcceptsIt() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Synced synced = write(disk, new Random(8), 30);
        int segmentsBefore = disk.list().size();
        long lastIndex = lastIndex(synced);
        SnapshotMeta snapshot = new SnapshotMeta(lastIndex, synced.entries().get(synced.entries().size() - 1).term(),
                MEMBERS);
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            store.recover();
            store.compact(snapshot);
            store.sync();
        }
        assertEquals(List.of(WalFormat.segmentName(segmentsBefore)), disk.list(), "only the marker's segment stays");
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            assertEquals(new RecoveredLog(synced.hardState(), snapshot, List.of()), store.recover());
        }
    }

    @Test
    void missingSegmentsWithLiveEntriesAreCorruptionDespiteAMarker() throws IOException {
        // A marker covers the front, but the deleted segment held entries after it: they are lost, refuse to start.
        SimulatedDisk disk = new SimulatedDisk();
        Random random = new Random(9);
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            store.recover();
            for (int batch = 0; batch < 20; batch++) {
                store.append(LogTestSupport.randomEntries(random, 1 + 3 * batch, 3));
                store.sync();
            }
            store.compact(new SnapshotMeta(2, 1, MEMBERS));
            store.sync();
        }
        assertTrue(disk.list().contains(WalFormat.segmentName(1)), "entry 3 keeps segment 1");
        disk.delete(WalFormat.segmentName(1));
        disk.syncDirectory();
        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> new SegmentedLogStore(disk, SEGMENT_BYTES_MAX).recover());
        assertTrue(e.getMessage().contains("are missing") && e.getMessage().contains("must not start"), e.getMessage());
    }

    @Test
    void missingSegmentInTheMiddleIsCorruptionDespiteAMarker() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Synced synced = write(disk, new Random(10), 30);
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            store.recover();
            store.compact(new SnapshotMeta(lastIndex(synced) - 1, 1, MEMBERS));
            store.sync();
            Random random = new Random(11);
            for (int batch = 0; batch < 10; batch++) {
                store.append(LogTestSupport.randomEntries(random, lastIndex(synced) + 1 + 4 * batch, 4));
                store.sync();
            }
        }
        List<String> names = new ArrayList<>(disk.list());
        names.sort(null);
        assertTrue(names.size() >= 3 && !names.contains(WalFormat.segmentName(1)), "front deleted: " + names);
        disk.delete(names.get(1));
        disk.syncDirectory();
        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> new SegmentedLogStore(disk, SEGMENT_BYTES_MAX).recover());
        assertTrue(e.getMessage().contains("is missing segments between"), e.getMessage());
    }

    /**
     * Power loss at the k-th disk sync (file force or directory sync) of a sync that compacts or installs, for every
     * k: the roll of a new segment, the batch's force, each segment deletion. Recovery returns the state before or
     * after, and after the new state it finishes the deletions, leaving one segment.
     */
    @Test
    void powerLossAtEveryDiskSyncOfACompactionRecoversBeforeOrAfter() throws IOException {
        int frontPartlyDeleted = 0;
        for (long seed : LogTestSupport.seeds(20)) {
            for (boolean install : new boolean[] {false, true}) {
                for (int k = 1; ; k++) {
                    String context = LogTestSupport.replay("SegmentedLogStoreCompactionTest", seed) + ", install "
                            + install + ", power lost at disk sync " + k;
                    Random random = LogTestSupport.random(seed);
                    SimulatedDisk disk = new SimulatedDisk();
                    Synced before = write(disk, random, 20 + random.nextInt(20));
                    SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX);
                    store.recover();
                    long lastIndex = lastIndex(before);
                    SnapshotMeta snapshot = new SnapshotMeta(install ? lastIndex + 5 : lastIndex, 3, MEMBERS);
                    Synced after = new Synced(snapshot, List.of(), before.hardState());
                    if (install) {
                        store.installSnapshot(snapshot);
                    } else {
                        store.compact(snapshot);
                    }
                    disk.losePowerAtSync(k);
                    try {
                        store.sync();
                        store.close();
                        assertEquals(1, disk.list().size(), context + ": no power loss, one segment left");
                        break; // k is past the last disk sync: every crash point was covered
                    } catch (IOException e) {
                        assertTrue(disk.isDown(), context + ": " + e);
                    }
                    disk.crash(random);
                    List<String> onDisk = disk.list();
                    if (!onDisk.contains(WalFormat.segmentName(1)) && onDisk.size() > 1) {
                        frontPartlyDeleted++;
                    }
                    try (SegmentedLogStore reopened = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
                        RecoveredLog recovered = reopened.recover();
                        assertTrue(recovered.equals(before.recovered()) || recovered.equals(after.recovered()),
                                context + ": recovered " + recovered.snapshot() + " with " + recovered.entries().size()
                                        + " entries");
                        if (recovered.equals(after.recovered())) {
                            assertEquals(1, disk.list().size(), context + ": recovery finishes the deletions");
                        }
                    }
                }
            }
        }
        System.out.println("SegmentedLogStoreCompactionTest: " + frontPartlyDeleted
                + " power losses between two segment deletions");
        assertTrue(frontPartlyDeleted > 0, "no crash landed between two segment deletions");
    }

    /** Months of operation in miniature: the segment count stays bounded by what the kept tail needs. */
    @Test
    void segmentCountStaysBoundedWhenCompactingRegularly() throws IOException {
        long seed = 12;
        Random random = LogTestSupport.random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        List<Entry> tail = new ArrayList<>();
        SnapshotMeta snapshot = SnapshotMeta.NONE;
        int segmentsMax = 0;
        int tailEntriesKept = 20;
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            store.recover();
            for (int batch = 0; batch < 3000; batch++) {
                long lastIndex = snapshot.index() + tail.size();
                List<Entry> entries = LogTestSupport.randomAppend(random, lastIndex, snapshot.index());
                store.append(entries);
                LogTestSupport.applyAppend(tail, snapshot.index(), entries);
                lastIndex = snapshot.index() + tail.size();
                if (batch % 10 == 9 && lastIndex - snapshot.index() > tailEntriesKept) {
                    long index = lastIndex - tailEntriesKept;
                    tail.subList(0, (int) (index - snapshot.index())).clear();
                    snapshot = new SnapshotMeta(index, 1, MEMBERS);
                    store.compact(snapshot);
                }
                store.sync();
                segmentsMax = Math.max(segmentsMax, disk.list().size());
            }
        }
        // Each entry record is at most 8 + 18 + 40 bytes; a compaction interval adds at most 10 batches of 4 entries.
        long tailBytesMax = (tailEntriesKept + 10 * 4 + 6) * (8 + 18 + 40L) + 10 * 100;
        long bound = 2 + tailBytesMax / (SEGMENT_BYTES_MAX - 100);
        System.out.println("SegmentedLogStoreCompactionTest: seed " + seed + ", 3000 batches, up to " + segmentsMax
                + " segments (bound " + bound + ")");
        assertTrue(segmentsMax <= bound, "seed " + seed + ": up to " + segmentsMax + " segments, bound " + bound);
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            RecoveredLog recovered = store.recover();
            assertEquals(snapshot, recovered.snapshot(), "seed " + seed);
            assertEquals(tail, recovered.entries(), "seed " + seed);
        }
    }

    /** Writes {@code batches} synced batches of random appends and hard states on {@code disk}, then closes. */
    private static Synced write(SimulatedDisk disk, Random random, int batches) throws IOException {
        List<Entry> log = new ArrayList<>();
        HardState hardState = HardState.EMPTY;
        try (SegmentedLogStore store = new SegmentedLogStore(disk, SEGMENT_BYTES_MAX)) {
            store.recover();
            for (int batch = 0; batch < batches; batch++) {
                List<Entry> entries = LogTestSupport.randomAppend(random, log.size());
                store.append(entries);
                LogTestSupport.applyAppend(log, entries);
                hardState = LogTestSupport.randomHardState(random, log.size());
                store.saveHardState(hardState);
                store.sync();
            }
        }
        return new Synced(SnapshotMeta.NONE, List.copyOf(log), hardState);
    }

    private static long lastIndex(Synced synced) {
        return synced.snapshot().index() + synced.entries().size();
    }
}
