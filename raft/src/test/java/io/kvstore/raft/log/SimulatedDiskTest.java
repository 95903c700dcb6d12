package io.kvstore.raft.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fault model of {@link SimulatedDisk}, which every crash test relies on. */
class SimulatedDiskTest {

    @Test
    void crashKeepsForcedBytesAndAPrefixOfTheRest() throws IOException {
        for (long seed : LogTestSupport.seeds(200)) {
            Random random = LogTestSupport.random(seed);
            SimulatedDisk disk = new SimulatedDisk();
            DiskFile file = disk.open("a");
            disk.syncDirectory();
            file.append(ByteBuffer.wrap(bytes(0, 10)));
            file.force();
            file.append(ByteBuffer.wrap(bytes(10, 30)));
            disk.crash(random);
            assertThrows(IOException.class, file::size, "seed " + seed + ": handles die with the crash");

            byte[] after = read(disk, "a");
            assertTrue(after.length >= 10 && after.length <= 30, "seed " + seed + ": kept " + after.length);
            for (int i = 0; i < 10; i++) {
                assertEquals(i, after[i], "seed " + seed + ": forced byte " + i);
            }
        }
    }

    @Test
    void unsyncedNamesMayVanishButSyncedOnesStay() throws IOException {
        boolean vanished = false;
        for (long seed : LogTestSupport.seeds(50)) {
            SimulatedDisk disk = new SimulatedDisk();
            disk.open("kept").close();
            disk.syncDirectory();
            disk.open("maybe").close();
            disk.crash(LogTestSupport.random(seed));
            assertTrue(disk.list().contains("kept"), "seed " + seed);
            vanished |= !disk.list().contains("maybe");
        }
        assertTrue(vanished, "an unsynced creation must sometimes be lost");
    }

    @Test
    void powerLossAtSyncFailsThatSyncAndEverythingUntilTheCrash() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        DiskFile file = disk.open("a");
        disk.losePowerAtSync(2);
        disk.syncDirectory();
        file.append(ByteBuffer.wrap(bytes(0, 4)));
        assertThrows(IOException.class, file::force);
        assertTrue(disk.isDown());
        assertThrows(IOException.class, disk::list);
        disk.crash(new Random(1));
        assertFalse(disk.isDown());
        assertEquals(List.of("a"), disk.list());
    }

    @Test
    void flipChangesOneDurableBitAndUnflipRestoresIt() throws IOException {
        Random random = new Random(7);
        SimulatedDisk disk = new SimulatedDisk();
        DiskFile file = disk.open("a");
        file.append(ByteBuffer.wrap(bytes(0, 16)));
        file.force();
        file.append(ByteBuffer.wrap(bytes(16, 32))); // not durable: never flipped
        SimulatedDisk.BitFlip flip = disk.flipRandomBit(random);
        assertTrue(flip.offset() < 16, flip.toString());
        byte[] flipped = read(disk, "a");
        assertEquals(1 << flip.bit(), (flipped[(int) flip.offset()] ^ flip.offset()) & 0xff, flip.toString());
        disk.unflip();
        assertArrayEquals(bytes(0, 32), read(disk, "a"));
    }

    private static byte[] bytes(int from, int to) {
        byte[] bytes = new byte[to - from];
        for (int i = from; i < to; i++) {
            bytes[i - from] = (byte) i;
        }
        return bytes;
    }

    private static byte[] read(SimulatedDisk disk, String name) throws IOException {
        try (DiskFile file = disk.open(name)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) file.size());
            file.read(0, buffer);
            return buffer.array();
        }
    }
}
