package io.kvstore.jepsen.nemesis;

import io.kvstore.jepsen.cluster.Member;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Damages a stopped member's raft write-ahead log, keeping a copy so the harness can put it back: a bit flip in the
 * middle of the largest segment (recovery must refuse to start: the record's CRC fails and records follow it, so it
 * is not a torn tail) or a truncated tail of the newest segment (a crash mid-write: recovery must drop the partial
 * record and start). Alternates between the two.
 */
final class LogCorruptor {
    /** Bytes cut from the tail: less than a typical record, so the last record becomes partial. */
    private static final int TRUNCATE_BYTES = 7;

    private final Random random;
    private int count;

    LogCorruptor(Random random) {
        this.random = random;
    }

    /** What was done and how to undo it. */
    interface Damage {
        String kind();

        String description();

        void restore();
    }

    Damage damage(Member m) {
        List<Path> segments = m.walSegments();
        if (segments.isEmpty()) {
            return new Nothing("no raft log segments in " + m.dataDir());
        }
        boolean flip = count++ % 2 == 0;
        Path target = flip ? segments.stream().max(Comparator.comparingLong(LogCorruptor::size)).orElseThrow()
                : segments.get(segments.size() - 1);
        try {
            // Outside the data directory, so the member never sees the copy.
            Path backup = m.dataDir().resolveSibling(m.name() + "-" + target.getFileName() + ".backup");
            Files.copy(target, backup, StandardCopyOption.REPLACE_EXISTING);
            long size = Files.size(target);
            String what;
            try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
                if (flip && size > 0) {
                    long at = size / 3 + (size / 3 == 0 ? 0 : random.nextLong(size / 3)); // the middle third
                    f.seek(at);
                    int b = f.read();
                    int bit = random.nextInt(8);
                    f.seek(at);
                    f.write(b ^ (1 << bit));
                    what = "bit " + bit + " flipped at byte " + at + " of " + size + " in " + m.name() + "/"
                            + target.getFileName();
                } else {
                    long newSize = Math.max(0, size - TRUNCATE_BYTES);
                    f.setLength(newSize);
                    what = "truncated " + m.name() + "/" + target.getFileName() + " from " + size + " to "
                            + newSize + " bytes";
                }
            }
            return new Restorable(flip ? "bit-flip" : "truncate-tail", what, target, backup);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private record Restorable(String kind, String description, Path target, Path backup) implements Damage {
        @Override
        public void restore() {
            try {
                Files.move(backup, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private record Nothing(String description) implements Damage {
        @Override
        public String kind() {
            return "none";
        }

        @Override
        public void restore() {
        }
    }
}
