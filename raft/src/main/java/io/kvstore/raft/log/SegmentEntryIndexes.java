package io.kvstore.raft.log;

import java.util.Map;
import java.util.TreeMap;

/**
 * For each segment on disk, the highest index of an entry in it that may still be live: what decides, without
 * reading any file, which segments compaction may delete. The writer ({@link SegmentedLogStore}) keeps it up to
 * date as it writes; recovery ({@link LogReplay}) rebuilds it from the records, with the same operations in the
 * same order, so both agree.
 *
 * <p>The value is an upper bound, never too low: an entry overwritten by a later append at the same index still
 * counts, which only keeps a segment a little longer. Entries that can never come back lower it: a suffix cut by a
 * conflicting append ({@link #discardFrom}) and everything before an installed snapshot.
 *
 * <p><b>Deletion rule</b> (applied by the store): the first segment may go when it is not the segment holding the
 * latest durable snapshot marker (nor any later one, so never the last) and its value is at or below that marker's
 * index. Only the first segment is ever deleted, so segments go oldest first and a crash leaves a gap only at the
 * front. One entry per segment; segments are bounded by compaction. Not thread-safe.
 */
final class SegmentEntryIndexes {
    private final TreeMap<Long, Long> indexMaxBySequence = new TreeMap<>();

    /** A new, empty last segment. */
    void add(long sequence) {
        if (!indexMaxBySequence.isEmpty() && sequence <= indexMaxBySequence.lastKey()) {
            throw new IllegalStateException("segment " + sequence + " added after " + indexMaxBySequence.lastKey());
        }
        indexMaxBySequence.put(sequence, 0L);
    }

    /** An entry of index {@code index} (or entries up to it) was written to segment {@code sequence}. */
    void entry(long sequence, long index) {
        Long max = indexMaxBySequence.get(sequence);
        if (max == null) {
            throw new IllegalStateException("entry " + index + " written to unknown segment " + sequence);
        }
        if (index > max) {
            indexMaxBySequence.put(sequence, index);
        }
    }

    /** Entries at and above {@code index} in every segment are dead (cut by a conflicting append or a snapshot). */
    void discardFrom(long index) {
        for (Map.Entry<Long, Long> segment : indexMaxBySequence.entrySet()) {
            if (segment.getValue() >= index) {
                segment.setValue(index - 1);
            }
        }
    }

    int count() {
        return indexMaxBySequence.size();
    }

    /** Sequence of the first segment; the caller checks {@link #count()} first. */
    long firstSequence() {
        return indexMaxBySequence.firstKey();
    }

    /** Highest possibly live entry index in the first segment; 0 when it holds none. */
    long firstIndexMax() {
        return indexMaxBySequence.firstEntry().getValue();
    }

    void removeFirst() {
        indexMaxBySequence.pollFirstEntry();
    }

    @Override
    public String toString() {
        return indexMaxBySequence.toString();
    }
}
