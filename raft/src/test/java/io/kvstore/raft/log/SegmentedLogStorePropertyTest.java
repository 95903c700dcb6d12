package io.kvstore.raft.log;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random histories of append, saveHardState, sync, power loss (between calls and in the middle of a sync or of
 * recovery) on a {@link SimulatedDisk}, checked against an oracle after every recovery. The store writes only in
 * {@code sync()}, so the oracle is exact: after a crash the log is the last synced state, or, when the crash hit a
 * sync, possibly the state that sync was writing.
 */
class SegmentedLogStorePropertyTest {
    private static final int STEPS = 150;

    /** Oracle state: entries and hard state. */
    private record State(List<Entry> entries, HardState hardState) {
        static State copyOf(List<Entry> entries, HardState hardState) {
            return new State(List.copyOf(entries), hardState);
        }
    }

    @Test
    void recoveredLogIsTheLastSyncedStateAfterAnyCrash() throws IOException {
        long[] seeds = LogTestSupport.seeds(500);
        int recoveries = 0;
        for (long seed : seeds) {
            recoveries += runSeed(seed);
        }
        System.out.println("SegmentedLogStorePropertyTest: " + seeds.length + " seeds, " + recoveries + " recoveries");
        assertTrue(recoveries > seeds.length, "histories too short to crash");
    }

    private int runSeed(long seed) throws IOException {
        Random random = LogTestSupport.random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        long segmentBytesMax = 64 + random.nextInt(512); // small: most histories roll several segments
        Deque<String> trace = new ArrayDeque<>();
        State synced = State.copyOf(List.of(), HardState.EMPTY);
        State syncing = null; // what an interrupted sync was writing: also acceptable after the crash
        List<Entry> log = new ArrayList<>();
        HardState hardState = HardState.EMPTY;
        SegmentedLogStore store = recover(disk, segmentBytesMax, random, List.of(synced), seed, trace).store();
        int recoveries = 1;
        for (int step = 0; step < STEPS; step++) {
            int op = random.nextInt(100);
            try {
                if (op < 40) {
                    List<Entry> entries = LogTestSupport.randomAppend(random, log.size());
                    note(trace, "append " + entries.get(0).index() + ".." + entries.get(entries.size() - 1).index());
                    store.append(entries);
                    LogTestSupport.applyAppend(log, entries);
                } else if (op < 55) {
                    hardState = LogTestSupport.randomHardState(random, log.size());
                    note(trace, "saveHardState " + hardState);
                    store.saveHardState(hardState);
                } else if (op < 80) {
                    note(trace, "sync");
                    syncing = State.copyOf(log, hardState);
                    store.sync();
                    synced = syncing;
                    syncing = null;
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
                recoveries++;
                RecoveredLog recovered = reopened.recovered();
                synced = new State(recovered.entries(), recovered.hardState());
                syncing = null;
                log = new ArrayList<>(recovered.entries());
                hardState = recovered.hardState();
            }
        }
        store.close();
        return recoveries;
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
            State found = new State(recovered.entries(), recovered.hardState());
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
        return entries.size() + " entries (last " + last + ", hash " + entries.hashCode() + ") " + state.hardState();
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
