package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AckCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsThroughItsFileFormat() throws IOException {
        AckCheckpoint checkpoint = new AckCheckpoint(10, 15, new long[] {12, 14});
        byte[] bytes = checkpoint.toBytes();
        assertEquals(AckCheckpoint.HEADER_BYTES + 16 + 4 + 4, bytes.length);
        assertEquals(checkpoint, AckCheckpoint.fromBytes(bytes));
        checkpoint.write(dir);
        assertEquals(checkpoint, AckCheckpoint.read(dir));

        AckCheckpoint clean = checkpoint.withCleanShutdown(true);
        clean.write(dir);
        assertEquals(true, AckCheckpoint.read(dir).cleanShutdown());
        assertEquals(false, AckCheckpoint.fromBytes(checkpoint.toBytes()).cleanShutdown());

        AckCheckpoint counted = new AckCheckpoint(10, 15, new long[] {12}, false, new long[] {10, 13}, new int[] {2, 5});
        assertEquals(counted, AckCheckpoint.fromBytes(counted.toBytes()));
        assertEquals(AckCheckpoint.HEADER_BYTES + 8 + 4 + 24 + 4, counted.toBytes().length);
    }

    @Test
    void refusesBadMagicVersionLengthAndCrc() {
        byte[] good = new AckCheckpoint(3, 3, new long[] {5}).toBytes();
        byte[] badMagic = good.clone();
        badMagic[0] ^= 1;
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(badMagic));
        byte[] badVersion = good.clone();
        badVersion[5] = 9;
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(badVersion));
        byte[] torn = java.util.Arrays.copyOf(good, good.length - 3);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(torn));
        byte[] flipped = good.clone();
        flipped[10] ^= 0x40; // inside the low-water mark: only the CRC notices
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(flipped));
    }

    @Test
    void aCorruptCurrentCheckpointFallsBackToThePreviousOne() throws IOException {
        AckCheckpoint older = new AckCheckpoint(5, 6, new long[0]);
        AckCheckpoint newer = new AckCheckpoint(9, 12, new long[] {11});
        older.write(dir);
        newer.write(dir);
        assertEquals(newer, AckCheckpoint.read(dir));
        Path current = dir.resolve(AckCheckpoint.FILE_NAME);
        byte[] bytes = Files.readAllBytes(current);
        bytes[bytes.length - 1] ^= 1;
        Files.write(current, bytes);
        assertEquals(older, AckCheckpoint.read(dir), "a damaged checkpoint must never settle more than the previous");
    }

    @Test
    void withNoValidCheckpointNothingIsSettled() throws IOException {
        assertEquals(AckCheckpoint.EMPTY, AckCheckpoint.read(dir));
        Files.write(dir.resolve(AckCheckpoint.FILE_NAME), new byte[] {1, 2, 3});
        Files.write(dir.resolve(AckCheckpoint.PREVIOUS_FILE_NAME), new byte[40]);
        assertEquals(AckCheckpoint.EMPTY, AckCheckpoint.read(dir));
    }

    @Test
    void aMissingCurrentFileBetweenRenamesFallsBackToThePreviousOne() throws IOException {
        AckCheckpoint older = new AckCheckpoint(5, 6, new long[0]);
        older.write(dir);
        new AckCheckpoint(8, 8, new long[0]).write(dir);
        Files.delete(dir.resolve(AckCheckpoint.FILE_NAME));
        assertEquals(older, AckCheckpoint.read(dir));
    }

    @Test
    void clampingDropsSettledOffsetsBeyondTheLogEnd() {
        AckCheckpoint checkpoint = new AckCheckpoint(10, 20, new long[] {12, 15, 18});
        assertEquals(new AckCheckpoint(10, 15, new long[] {12}), checkpoint.clampedTo(15));
        assertEquals(new AckCheckpoint(7, 7, new long[0]), checkpoint.clampedTo(7));
    }
}
