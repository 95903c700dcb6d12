package io.kvstore.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * An in-memory {@link Disk} that loses power on command, for property tests and the deterministic cluster
 * simulation. Everything it does is decided by the {@link Random} passed in, so a seed replays a run exactly; it
 * starts no threads.
 *
 * <p>Each file keeps two images: the current bytes and the durable bytes (as of its last {@link DiskFile#force()}).
 * Each name is current or not, and durable or not (as of the last {@link #syncDirectory()}). {@link #crash(Random)}
 * models a power loss as described there. {@link #losePowerAtSync(int)} makes a chosen later force or directory
 * sync fail, to crash in the middle of a write. {@link #flipRandomBit(Random)} damages a durable byte so a test can
 * check that recovery notices, and {@link #unflip()} repairs it.
 *
 * <p>Handles opened before a crash throw afterwards, like file descriptors of a process that did not survive.
 * Not thread-safe.
 */
public final class SimulatedDisk implements Disk {

    /** One flipped bit: {@code bit} (0 = least significant) of the byte at {@code offset} in {@code file}. */
    public record BitFlip(String file, long offset, int bit) {
        @Override
        public String toString() {
            return "bit " + bit + " of byte " + offset + " in " + file;
        }
    }

    private final Map<String, SimFile> files = new TreeMap<>(); // sorted: iteration order must be deterministic
    private long generation; // bumped by every crash, so stale handles fail
    private int syncsUntilPowerLoss; // 0: not armed
    private boolean down;
    private BitFlip lastFlip;

    @Override
    public List<String> list() throws IOException {
        checkUp();
        List<String> names = new ArrayList<>();
        files.forEach((name, file) -> {
            if (file.linked) {
                names.add(name);
            }
        });
        return names;
    }

    @Override
    public DiskFile open(String name) throws IOException {
        checkUp();
        Objects.requireNonNull(name, "name");
        SimFile file = files.get(name);
        if (file == null) {
            file = new SimFile();
            files.put(name, file);
        } else if (!file.linked) {
            // Re-created after an unsynced delete: the old durable name and bytes may still come back on a crash.
            file.linked = true;
            file.truncate(0);
        }
        return new Handle(name, file, generation);
    }

    @Override
    public void delete(String name) throws IOException {
        checkUp();
        SimFile file = files.get(name);
        if (file == null) {
            return;
        }
        file.linked = false;
        if (!file.durablyLinked) {
            files.remove(name);
        }
    }

    @Override
    public void syncDirectory() throws IOException {
        checkUp();
        countSync("directory");
        files.values().removeIf(file -> !file.linked);
        files.values().forEach(file -> file.durablyLinked = true);
    }

    /**
     * Power loss and reboot. Each name not made durable by {@link #syncDirectory()} (created or deleted since) comes
     * out either way. Each file keeps its durable bytes plus a random-length prefix of the bytes appended since its
     * last force; with probability 1/3 the last 1 to 8 bytes of that unforced prefix become garbage (a torn write).
     * An unforced truncation is lost with probability 1/2. Afterwards everything on the disk is durable, earlier
     * handles are dead, and any {@link #losePowerAtSync(int)} is disarmed.
     */
    public void crash(Random random) {
        var iterator = files.values().iterator();
        while (iterator.hasNext()) {
            SimFile file = iterator.next();
            if (file.linked != file.durablyLinked) {
                file.linked = random.nextBoolean();
            }
            if (!file.linked) {
                iterator.remove();
                continue;
            }
            file.durablyLinked = true;
            file.crash(random);
        }
        generation++;
        syncsUntilPowerLoss = 0;
        down = false;
    }

    /**
     * Arms a power loss: the {@code syncsFromNow}-th call from now of {@link DiskFile#force()} or
     * {@link #syncDirectory()} (1 = the next) throws {@link IOException} without making anything durable, and every
     * later call throws until {@link #crash(Random)}.
     */
    public void losePowerAtSync(int syncsFromNow) {
        if (syncsFromNow < 1) {
            throw new IllegalArgumentException("syncsFromNow must be >= 1: " + syncsFromNow);
        }
        syncsUntilPowerLoss = syncsFromNow;
    }

    /** Whether an armed power loss has happened and {@link #crash(Random)} is due. */
    public boolean isDown() {
        return down;
    }

    /**
     * Flips one random bit of a random durable byte (a byte the same before and after any crash) of a random file.
     *
     * @return what was flipped, or null when no file has a durable byte
     */
    public BitFlip flipRandomBit(Random random) {
        List<String> candidates = new ArrayList<>();
        files.forEach((name, file) -> {
            if (file.linked && file.stableBytes > 0) {
                candidates.add(name);
            }
        });
        if (candidates.isEmpty()) {
            return null;
        }
        String name = candidates.get(random.nextInt(candidates.size()));
        BitFlip flip = new BitFlip(name, random.nextInt(files.get(name).stableBytes), random.nextInt(8));
        flip(flip);
        return flip;
    }

    /** Undoes the last {@link #flipRandomBit(Random)}. */
    public void unflip() {
        if (lastFlip == null) {
            throw new IllegalStateException("no bit flipped, or already restored");
        }
        BitFlip flip = lastFlip;
        flip(flip);
        lastFlip = null;
    }

    /** Toggles the given durable bit; applying the same flip twice restores the byte. */
    public void flip(BitFlip flip) {
        SimFile file = files.get(flip.file());
        if (file == null || !file.linked || flip.offset() < 0 || flip.offset() >= file.stableBytes
                || flip.bit() < 0 || flip.bit() > 7) {
            throw new IllegalArgumentException("not a durable bit: " + flip);
        }
        int offset = (int) flip.offset();
        file.content[offset] ^= (byte) (1 << flip.bit());
        file.durable[offset] ^= (byte) (1 << flip.bit());
        lastFlip = flip;
    }

    /** Bytes of {@code name} that survive any crash (durable and unchanged since), or -1 if it does not exist. */
    public long durableSize(String name) {
        SimFile file = files.get(name);
        return file == null || !file.linked ? -1 : file.stableBytes;
    }

    @Override
    public String toString() {
        return "simulated-disk";
    }

    private void checkUp() throws IOException {
        if (down) {
            throw new IOException("simulated disk lost power; crash(Random) it first");
        }
    }

    private void countSync(String what) throws IOException {
        if (syncsUntilPowerLoss > 0 && --syncsUntilPowerLoss == 0) {
            down = true;
            throw new IOException("simulated power loss during sync of " + what);
        }
    }

    /** Current and durable bytes of one file. Invariant: content and durable agree below stableBytes. */
    private static final class SimFile {
        byte[] content = new byte[64];
        int size;
        byte[] durable = new byte[64];
        int durableSize;
        int stableBytes;
        boolean linked = true;
        boolean durablyLinked;

        void append(ByteBuffer src) {
            int bytes = src.remaining();
            if (size + bytes > content.length) {
                content = Arrays.copyOf(content, Math.max(size + bytes, 2 * content.length));
            }
            src.get(content, size, bytes);
            size += bytes;
        }

        void truncate(long newSize) {
            if (newSize < 0 || newSize > size) {
                throw new IllegalArgumentException("truncate to " + newSize + " of a file of " + size + " bytes");
            }
            size = (int) newSize;
            stableBytes = Math.min(stableBytes, size);
        }

        void force() {
            if (durable.length < size) {
                durable = Arrays.copyOf(durable, Math.max(size, 2 * durable.length));
            }
            // Only bytes past stableBytes can differ: keeps a force proportional to what was written since.
            System.arraycopy(content, stableBytes, durable, stableBytes, size - stableBytes);
            durableSize = size;
            stableBytes = size;
        }

        void crash(Random random) {
            if (stableBytes == size && stableBytes == durableSize) {
                return;
            }
            if (durableSize > stableBytes && random.nextBoolean()) {
                // The truncation never reached the disk: the old durable bytes come back.
                content = Arrays.copyOf(durable, Math.max(durableSize, 64));
                size = durableSize;
            } else {
                int kept = stableBytes + random.nextInt(size - stableBytes + 1);
                if (kept > stableBytes && random.nextInt(3) == 0) {
                    int torn = 1 + random.nextInt(Math.min(8, kept - stableBytes));
                    boolean zeros = random.nextBoolean(); // file systems often show a torn page as zeros
                    for (int i = kept - torn; i < kept; i++) {
                        content[i] = zeros ? 0 : (byte) random.nextInt(256);
                    }
                }
                size = kept;
            }
            stableBytes = 0;
            force();
        }
    }

    /** An open file; dies with the generation it was opened in. */
    private final class Handle implements DiskFile {
        private final String name;
        private final SimFile file;
        private final long openedGeneration;
        private boolean closed;

        Handle(String name, SimFile file, long openedGeneration) {
            this.name = name;
            this.file = file;
            this.openedGeneration = openedGeneration;
        }

        @Override
        public long size() throws IOException {
            check();
            return file.size;
        }

        @Override
        public int read(long position, ByteBuffer dst) throws IOException {
            check();
            if (position >= file.size) {
                return -1;
            }
            int bytes = (int) Math.min(dst.remaining(), file.size - position);
            dst.put(file.content, (int) position, bytes);
            return bytes;
        }

        @Override
        public void append(ByteBuffer src) throws IOException {
            check();
            file.append(src);
        }

        @Override
        public void truncate(long size) throws IOException {
            check();
            file.truncate(size);
        }

        @Override
        public void force() throws IOException {
            check();
            countSync(name);
            file.force();
        }

        @Override
        public void close() {
            closed = true;
        }

        private void check() throws IOException {
            checkUp();
            if (closed || openedGeneration != generation || files.get(name) != file || !file.linked) {
                throw new IOException("stale or closed handle to " + name);
            }
        }
    }
}
