package io.kvstore.raft.log;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.HardState;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.SnapshotMeta;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.SplittableRandom;

/** Random entries and hard states, and the oracle's view of an append, shared by the log tests. */
final class LogTestSupport {
    private LogTestSupport() {}

    /** Seeds to run: {@code -Dlog.seed=N} replays one, {@code -Dlog.seeds=N} sets how many (default given). */
    static long[] seeds(int defaultCount) {
        String one = System.getProperty("log.seed");
        if (one != null) {
            return new long[] {Long.parseLong(one)};
        }
        int count = Integer.getInteger("log.seeds", defaultCount);
        long[] seeds = new long[count];
        for (int i = 0; i < count; i++) {
            seeds[i] = i + 1;
        }
        return seeds;
    }

    /**
     * The Random for one seed. Why not {@code new Random(seed)}: for neighbouring small seeds its first outputs are
     * nearly equal (all first nextBoolean() calls for seeds 1..50 agree), so seeds 1..N would explore one history.
     */
    static Random random(long seed) {
        return new Random(new SplittableRandom(seed).nextLong());
    }

    static String replay(String testClass, long seed) {
        return "seed " + seed + "; replay: mvn -q -B -o -pl raft test -Dtest=" + testClass + " -Dlog.seed=" + seed;
    }

    /** {@code count} entries from {@code firstIndex}, random terms, types and 0..40 bytes of data. */
    static List<Entry> randomEntries(Random random, long firstIndex, int count) {
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[random.nextInt(41)];
            random.nextBytes(data);
            Entry.Type type = random.nextInt(8) == 0 ? Entry.Type.NOOP : Entry.Type.COMMAND;
            entries.add(new Entry(firstIndex + i, 1 + random.nextInt(5), type, ByteString.copyFrom(data)));
        }
        return entries;
    }

    /** An append starting at most a few entries back (so some appends replace a suffix) or right after the end. */
    static List<Entry> randomAppend(Random random, int lastIndex) {
        return randomAppend(random, lastIndex, 0);
    }

    /** Like {@link #randomAppend(Random, int)}, never reaching back to {@code snapshotIndex} or below. */
    static List<Entry> randomAppend(Random random, long lastIndex, long snapshotIndex) {
        int back = random.nextInt(4) == 0 ? random.nextInt((int) Math.min(lastIndex - snapshotIndex, 6) + 1) : 0;
        return randomEntries(random, lastIndex + 1 - back, 1 + random.nextInt(4));
    }

    /** A snapshot at {@code index} with a random term and a random membership of up to five members. */
    static SnapshotMeta randomSnapshot(Random random, long index) {
        Set<String> voters = new TreeSet<>();
        Set<String> learners = new TreeSet<>();
        for (int member = 0; member < 5; member++) {
            switch (random.nextInt(3)) {
                case 0 -> voters.add("member-" + member);
                case 1 -> learners.add("member-" + member);
                default -> { }
            }
        }
        return new SnapshotMeta(index, index == 0 ? 0 : 1 + random.nextInt(5), new Membership(voters, learners));
    }

    static HardState randomHardState(Random random, int lastIndex) {
        String votedFor = random.nextBoolean() ? null : "member-" + random.nextInt(5);
        return new HardState(random.nextInt(10), votedFor, random.nextInt(lastIndex + 1));
    }

    /** The oracle: what the log holds after {@code entries} are appended to {@code log}. */
    static void applyAppend(List<Entry> log, List<Entry> entries) {
        applyAppend(log, 0, entries);
    }

    /** The oracle for a log whose {@code log.get(i)} has index {@code snapshotIndex + 1 + i}. */
    static void applyAppend(List<Entry> log, long snapshotIndex, List<Entry> entries) {
        int first = (int) (entries.get(0).index() - snapshotIndex);
        log.subList(first - 1, log.size()).clear();
        log.addAll(entries);
    }
}
