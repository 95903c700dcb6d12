package io.kvstore.raft.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.SnapshotMeta;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random histories of append, saveHardState, compact, installSnapshot, sync, power loss (between calls and in the
 * middle of a sync, of a segment deletion, or of recovery) on a {@link SimulatedDisk}, checked against an oracle
 * after every recovery. The store writes only in {@code sync()}, so the oracle is exact: after a crash the log is
 * the last synced state (snapshot marker, the entries after it, hard state), or, when the crash hit a sync,
 * possibly the state that sync was writing. Segments are small, so compaction really deletes files: after a sync
 * that made a marker durable and left no entry after it, exactly one segment file remains.
 */
class SegmentedLogStorePropertyTest {
    private static final int STEPS = 150;

    /** Oracle state: snapshot marker, the entries after it, hard state. */
    private record State(SnapshotMeta snapshot, List<Entry> entries, HardState hardState) {
        static State copyOf(SnapshotMeta snapshot, List<Entry> entries, HardState hardState) {
            return new State(snapshot, List.copyOf(entries), hardState);
        }

        long lastIndex() {
            return snapshot.index() + entries.size();
        }
    }

    /** Counters over all seeds, to check that the histories reach the cases they are meant to. */
    private static final class Coverage {
        int recoveries;
        int compactions;
        int installs;
        int compactedToOneSegment;
        int recoveredWithFrontDeleted;
    }

    @Test
    void recoveredLogIsTheLastSyncedStateAfterAnyCrash() throws IOException {
        long[] seeds = LogTestSupport.seeds(500);
        Coverage coverage = new Coverage();
        for (long seed : seeds) {
            runSeed(seed, coverage);
        }
        System.out.println("SegmentedLogStorePropertyTest: " + seeds.length + " seeds, " + coverage.recoveries
                + " recoveries, " + coverage.compactions + " compactions, " + coverage.installs + " installs, "
                + coverage.compactedToOneSegment + " syncs compacting to one segment, "
                + coverage.recoveredWithFrontDeleted + " recoveries with the first segments deleted");
        assertTrue(coverage.recoveries > seeds.length, "histories too short to crash");
        if (seeds.length >= 100) {
            assertTrue(coverage.compactedToOneSegment > seeds.length / 10, "too few full compactions");
            assertTrue(coverage.recoveredWithFrontDeleted > seeds.length, "too few recoveries after deletions");
        }
    }

    private void runSeed(long seed, Coverage coverage) throws IOException {
        Random random = LogTestSupport.random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        long segmentBytesMax = 64 + random.nextInt(512); // small: most histories roll several segments
        Deque<String> trace = new ArrayDeque<>();
        State synced = State.copyOf(SnapshotMeta.NONE, List.of(), HardState.EMPTY);
        State syncing = null; // what an interrupted sync was writing: also acceptable after the crash
        SnapshotMeta snapshot = SnapshotMeta.NONE;
        List<Entry> log = new ArrayList<>(); // log.get(i) has index snapshot.index() + 1 + i
        HardState hardState = HardState.EMPTY;
        boolean batchHasMarker = false;
        SegmentedLogStore store = recover(disk, segmentBytesMax, random, List.of(synced), seed, trace).store();
        coverage.recoveries++;
        for (int step = 0; step < STEPS; step++) {
            int op = random.nextInt(100);
            long lastIndex = snapshot.index() + log.size();
            try {
                if (op < 35) {
                    List<Entry> entries = LogTestSupport.randomAppend(random, lastIndex, snapshot.index());
                    note(trace, "append " + entries.get(0).index() + ".." + entries.get(entries.size() - 1).index());
                    store.append(entries);
                    LogTestSupport.applyAppend(log, snapshot.index(), entries);
                } else if (op < 47) {
                    hardState = LogTestSupport.randomHardState(random, (int) lastIndex);
                    note(trace, "saveHardState " + hardState);
                    store.saveHardState(hardState);
                } else if (op < 55) {
                    // Half the time everything, so whole histories of segments become deletable.
                    long index = random.nextBoolean() ? lastIndex
                            : snapshot.index() + random.nextInt((int) (lastIndex - snapshot.index()) + 1);
                    snapshot = LogTestSupport.randomSnapshot(random, index);
                    note(trace, "compact " + snapshot);
                    store.compact(snapshot);
                    log.subList(0, (int) (index - (lastIndex - log.size()))).clear();
                    batchHasMarker = true;
                    coverage.compactions++;
                } else if (op < 58) {
                    snapshot = LogTestSupport.randomSnapshot(random, snapshot.index() + random.nextInt(
                            (int) (lastIndex - snapshot.index()) + 6));
                    note(trace, "installSnapshot " + snapshot);
                    store.installSnapshot(snapshot);
                    log.clear();
                    batchHasMarker = true;
                    coverage.installs++;
                } else if (op < 80) {
                    note(trace, "sync");
                    syncing = State.copyOf(snapshot, log, hardState);
                    store.sync();
                    synced = syncing;
                    syncing = null;
                    if (batchHasMarker && log.isEmpty()) {
                        assertEquals(1, disk.list().size(), failure(seed, trace,
                                "a durable marker with no entry after it leaves one segment: " + disk.list()));
                        coverage.compactedToOneSegment++;
                    }
                    batchHasMarker = false;
                } else if (op < 90) {
                    int syncsFromNow = 1 + random.nextInt(3);
                    note(trace, "losePowerAtSync " + syncsFromNow);
                    disk.losePowerAtSync(syncsFromNow);
                    continue;
                } else {
                    note(trace, "crash");
                }
            } catch (IOException e) {
                note(trace, "power lost: " + e.getMessage());
                if (!disk.isDown()) {
                    throw e;
                }
            }
            if (op >= 90 || disk.isDown()) {
                List<State> acceptable = syncing == null ? List.of(synced) : List.of(synced, syncing);
                disk.crash(random);
                if (random.nextInt(4) == 0) {
                    note(trace, "losePowerAtSync 1 (during recovery)");
                    disk.losePowerAtSync(1);
                }
                Reopened reopened = recover(disk, segmentBytesMax, random, acceptable, seed, trace);
                store = reopened.store();
                coverage.recoveries++;
                if (!disk.list().contains(WalFormat.segmentName(1))) {
                    coverage.recoveredWithFrontDeleted++;
                }
                RecoveredLog recovered = reopened.recovered();
                synced = new State(recovered.snapshot(), recovered.entries(), recovered.hardState());
                syncing = null;
                snapshot = recovered.snapshot();
                log = new ArrayList<>(recovered.entries());
                hardState = recovered.hardState();
                batchHasMarker = false;
            }
        }
        store.close();
    }

    private record Reopened(SegmentedLogStore store, RecoveredLog recovered) {}

    /** Recovers on a fresh store, crashing again while recovery itself loses power, and checks the oracle. */
    private static Reopened recover(SimulatedDisk disk, long segmentBytesMax, Random random,
                                      List<State> acceptable, long seed, Deque<String> trace) throws IOException {
        for (int attempt = 0; ; attempt++) {
            SegmentedLogStore store = new SegmentedLogStore(disk, segmentBytesMax);
            RecoveredLog recovered;
            try {
                recovered = store.recover();
            } catch (CorruptLogException e) {
                throw new AssertionError(failure(seed, trace, "recovery found corruption after a crash: " + e), e);
            } catch (IOException e) {
                if (!disk.isDown() || attempt > 3) {
                    throw e;
                }
                note(trace, "power lost during recovery");
                disk.crash(random);
                continue;
            }
            State found = new State(recovered.snapshot(), recovered.entries(), recovered.hardState());
            if (!acceptable.contains(found)) {
                fail(failure(seed, trace, "recovered " + describe(found) + ", expected one of "
                        + acceptable.stream().map(SegmentedLogStorePropertyTest::describe).toList()));
            }
            note(trace, "recovered " + describe(found));
            return new Reopened(store, recovered);
        }
    }

    private static String describe(State state) {
        List<Entry> entries = state.entries();
        String last = entries.isEmpty() ? "none" : entries.get(entries.size() - 1).index() + "@t"
                + entries.get(entries.size() - 1).term();
        return "snapshot " + state.snapshot().index() + "@t" + state.snapshot().term() + " "
                + state.snapshot().membership() + ", " + entries.size() + " entries after it (last " + last
                + ", hash " + entries.hashCode() + ") " + state.hardState();
    }

    private static void note(Deque<String> trace, String line) {
        trace.addLast(line);
        if (trace.size() > 30) {
            trace.removeFirst();
        }
    }

    private static String failure(long seed, Deque<String> trace, String what) {
        return what + "\n" + LogTestSupport.replay("SegmentedLogStorePropertyTest", seed)
                + "\nlast operations:\n  " + String.join("\n  ", trace);
    }
}
