package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AckCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsThroughItsFileFormat() throws IOException {
        AckCheckpoint checkpoint = new AckCheckpoint(10, 15, new long[] {12, 14});
        byte[] bytes = checkpoint.toBytes();
        assertEquals(AckCheckpoint.HEADER_BYTES + 2 * 12 + 4 + 4, bytes.length, "two runs of one offset each");
        assertEquals(checkpoint, AckCheckpoint.fromBytes(bytes));
        checkpoint.write(dir);
        assertEquals(checkpoint, AckCheckpoint.read(dir));

        AckCheckpoint clean = checkpoint.withCleanShutdown(true);
        clean.write(dir);
        assertEquals(true, AckCheckpoint.read(dir).cleanShutdown());
        assertEquals(false, AckCheckpoint.fromBytes(checkpoint.toBytes()).cleanShutdown());

        AckCheckpoint counted = new AckCheckpoint(10, 15, OffsetRuns.of(12), false, new long[] {10, 13},
                new int[] {2, 5}, new long[] {AckCheckpoint.NOT_WAITING, 1_700_000_005_000L});
        assertEquals(counted, AckCheckpoint.fromBytes(counted.toBytes()));
        assertEquals(1_700_000_005_000L, AckCheckpoint.fromBytes(counted.toBytes()).retryDueAt()[1]);
        assertEquals(AckCheckpoint.HEADER_BYTES + 12 + 4 + 2 * 20 + 4, counted.toBytes().length);
    }

    @Test
    void settledOffsetsAreWrittenAsRuns() throws IOException {
        AckCheckpoint checkpoint = new AckCheckpoint(10, 10, new long[] {12, 13, 14, 20, 22, 23});
        assertArrayEquals(new long[] {12, 13, 14, 20, 22, 23}, AckCheckpoint.fromBytes(checkpoint.toBytes()).settledAbove());
        assertEquals(3, checkpoint.settled().count());
        assertEquals(AckCheckpoint.HEADER_BYTES + 3 * 12 + 4 + 4, checkpoint.toBytes().length);
    }

    @Test
    void aStuckHeadWithAMillionAcksBehindItIsAFewBytes() throws IOException {
        SettledOffsets settled = new SettledOffsets(0);
        for (long offset = 1; offset <= 1_000_000; offset++) {
            settled.settle(offset); // offset 0 is never acked
        }
        assertEquals(0, settled.lowWater());
        AckCheckpoint checkpoint = new AckCheckpoint(settled.lowWater(), 1_000_001, settled.runsAboveLowWater(), false,
                new long[0], new int[0], new long[0]);
        checkpoint.write(dir);

        // 28 bytes of header, one run of 12, no counted offsets (4), the CRC (4): not 8 MB.
        assertEquals(48, Files.size(dir.resolve(AckCheckpoint.FILE_NAME)));
        AckCheckpoint read = AckCheckpoint.read(dir);
        assertEquals(1, read.settled().count());
        assertEquals(1, read.settled().start(0));
        assertEquals(1_000_000, read.settled().length(0));
    }

    @Test
    void readsVersionOneAndTwoFiles() throws IOException {
        // Version 1: low water 10, settled 12 and 13, nothing counted.
        ByteBuffer v1 = ByteBuffer.allocate(28 + 16 + 4);
        v1.putInt(AckCheckpoint.MAGIC).putShort((short) 1).putShort((short) 1).putLong(10).putLong(15).putInt(2)
                .putLong(12).putLong(13);
        AckCheckpoint fromV1 = AckCheckpoint.fromBytes(withCrc(v1));
        assertEquals(new AckCheckpoint(10, 15, new long[] {12, 13}).withCleanShutdown(true), fromV1);
        assertEquals(1, fromV1.settled().count(), "consecutive offsets of an old file become one run");

        // Version 2: the same, then offset 11 came back twice.
        ByteBuffer v2 = ByteBuffer.allocate(28 + 16 + 4 + 12 + 4);
        v2.putInt(AckCheckpoint.MAGIC).putShort((short) 2).putShort((short) 0).putLong(10).putLong(15).putInt(2)
                .putLong(12).putLong(13).putInt(1).putLong(11).putInt(2);
        AckCheckpoint fromV2 = AckCheckpoint.fromBytes(withCrc(v2));
        assertEquals(new AckCheckpoint(10, 15, new long[] {12, 13}, false, new long[] {11}, new int[] {2}), fromV2);
        assertEquals(AckCheckpoint.NOT_WAITING, fromV2.retryDueAt()[0]);
    }

    private static byte[] withCrc(ByteBuffer body) {
        CRC32C crc = new CRC32C();
        crc.update(body.array(), 0, body.position());
        body.putInt((int) crc.getValue());
        return body.array();
    }

    @Test
    void refusesOverlappingRunsAndDueTimesBelowMinusOne() {
        ByteBuffer overlapping = ByteBuffer.allocate(28 + 24 + 4 + 4);
        overlapping.putInt(AckCheckpoint.MAGIC).putShort(AckCheckpoint.VERSION).putShort((short) 0).putLong(10)
                .putLong(10).putInt(2).putLong(12).putInt(5).putLong(14).putInt(1).putInt(0);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(overlapping)));
        ByteBuffer badDue = ByteBuffer.allocate(28 + 4 + 20 + 4);
        badDue.putInt(AckCheckpoint.MAGIC).putShort(AckCheckpoint.VERSION).putShort((short) 0).putLong(10)
                .putLong(10).putInt(0).putInt(1).putLong(11).putInt(1).putLong(-5);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(badDue)));
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
        AckCheckpoint run = new AckCheckpoint(10, 20, new long[] {12, 13, 14, 15, 16});
        assertEquals(new AckCheckpoint(10, 14, new long[] {12, 13}), run.clampedTo(14), "a run crossing the end is cut");
    }

    @Test
    void refusesReturnCountsThatNoQueueCouldHaveWritten() {
        long[] noDue = {AckCheckpoint.NOT_WAITING};
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(10, 10, OffsetRuns.of(), false,
                new long[] {9}, new int[] {1}, noDue), "a counted offset below the low-water mark is settled");
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(10, 10, OffsetRuns.of(), false,
                new long[] {12, 12}, new int[] {1, 1}, new long[] {-1, -1}), "offsets must ascend strictly");
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(10, 10, OffsetRuns.of(), false,
                new long[] {12}, new int[] {0}, noDue), "a counted message came back at least once");
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(10, 10, OffsetRuns.of(), false,
                new long[] {12}, new int[] {1, 2}, noDue));
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(10, 10, OffsetRuns.of(), false,
                new long[] {12}, new int[] {1}, new long[0]));
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(10, 10, new long[] {10}),
                "offset 10 is below the low-water mark's bound, not above it");
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(-1, 0, new long[0]));
        assertThrows(IllegalArgumentException.class, () -> new AckCheckpoint(0, -1, new long[0]));

        AckCheckpoint atTheBounds = new AckCheckpoint(10, 10, OffsetRuns.of(11), false, new long[] {10, 12},
                new int[] {1, 3}, new long[] {0, AckCheckpoint.NOT_WAITING});
        assertArrayEquals(new long[] {10, 12}, atTheBounds.countedOffsets());
    }

    @Test
    void refusesAVersionTwoFileThatEndsBeforeItsReturnCounts() {
        ByteBuffer v2 = ByteBuffer.allocate(28 + 8 + 4);
        v2.putInt(AckCheckpoint.MAGIC).putShort((short) 2).putShort((short) 0).putLong(10).putLong(15).putInt(1)
                .putLong(12);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(v2)));
        ByteBuffer extra = ByteBuffer.allocate(28 + 8 + 4 + 4 + 4);
        extra.putInt(AckCheckpoint.MAGIC).putShort((short) 2).putShort((short) 0).putLong(10).putLong(15).putInt(1)
                .putLong(12).putInt(0).putInt(0);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(extra)), "bytes after the last entry");
        ByteBuffer negative = ByteBuffer.allocate(28 + 4 + 4);
        negative.putInt(AckCheckpoint.MAGIC).putShort(AckCheckpoint.VERSION).putShort((short) 0).putLong(10)
                .putLong(15).putInt(-1);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(negative)));
    }

    @Test
    void clampingDropsReturnCountsOfRecordsBeyondTheLogEnd() {
        AckCheckpoint counted = new AckCheckpoint(10, 20, OffsetRuns.of(), false, new long[] {10, 13, 16},
                new int[] {1, 2, 3}, new long[] {AckCheckpoint.NOT_WAITING, 500, AckCheckpoint.NOT_WAITING});
        AckCheckpoint clamped = counted.clampedTo(13);
        assertArrayEquals(new long[] {10}, clamped.countedOffsets(), "offset 13 is gone: a new record will reuse it");
        assertArrayEquals(new int[] {1}, clamped.returnCounts());
        assertArrayEquals(new long[] {AckCheckpoint.NOT_WAITING}, clamped.retryDueAt());
        assertArrayEquals(new long[] {10, 13}, counted.clampedTo(14).countedOffsets());
        assertEquals(500, counted.clampedTo(14).retryDueAt()[1]);
    }

    @Test
    void aCheckpointDiffersFromAnotherInEveryPartRecoveryCompares() {
        // Recovery compares the checkpoint read with the one clamped to the log's end to notice a cut tail.
        AckCheckpoint base = new AckCheckpoint(10, 15, OffsetRuns.of(12), false, new long[] {11}, new int[] {2},
                new long[] {500});
        assertEquals(base, new AckCheckpoint(10, 15, OffsetRuns.of(12), false, new long[] {11}, new int[] {2},
                new long[] {500}));
        assertEquals(base, base.clampedTo(16), "nothing at or beyond the end: no cut");
        org.junit.jupiter.api.Assertions.assertNotEquals(base, base.clampedTo(12), "settled offset 12 is gone");
        for (AckCheckpoint other : new AckCheckpoint[] {
                new AckCheckpoint(9, 15, OffsetRuns.of(12), false, new long[] {11}, new int[] {2}, new long[] {500}),
                new AckCheckpoint(10, 14, OffsetRuns.of(12), false, new long[] {11}, new int[] {2}, new long[] {500}),
                new AckCheckpoint(10, 15, OffsetRuns.of(13), false, new long[] {11}, new int[] {2}, new long[] {500}),
                base.withCleanShutdown(true),
                new AckCheckpoint(10, 15, OffsetRuns.of(12), false, new long[] {13}, new int[] {2}, new long[] {500}),
                new AckCheckpoint(10, 15, OffsetRuns.of(12), false, new long[] {11}, new int[] {3}, new long[] {500}),
                new AckCheckpoint(10, 15, OffsetRuns.of(12), false, new long[] {11}, new int[] {2}, new long[] {501})}) {
            org.junit.jupiter.api.Assertions.assertNotEquals(base, other, other.toString());
        }
        org.junit.jupiter.api.Assertions.assertNotEquals(base, "not a checkpoint");
    }

    @Test
    void refusesAFileOfAnotherFormatOrVersionOrWithCountsItDoesNotHoldEvenWithAValidCrc() {
        ByteBuffer otherMagic = ByteBuffer.allocate(28 + 4 + 4);
        otherMagic.putInt(AckCheckpoint.MAGIC + 1).putShort(AckCheckpoint.VERSION).putShort((short) 0).putLong(10)
                .putLong(10).putInt(0).putInt(0);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(otherMagic)));
        for (short version : new short[] {0, (short) (AckCheckpoint.VERSION + 1)}) {
            ByteBuffer unknown = ByteBuffer.allocate(28 + 4 + 4);
            unknown.putInt(AckCheckpoint.MAGIC).putShort(version).putShort((short) 0).putLong(10).putLong(10).putInt(0)
                    .putInt(0);
            assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(unknown)), "version " + version);
        }
        ByteBuffer moreRunsThanBytes = ByteBuffer.allocate(28 + 12 + 4 + 4);
        moreRunsThanBytes.putInt(AckCheckpoint.MAGIC).putShort(AckCheckpoint.VERSION).putShort((short) 0).putLong(10)
                .putLong(10).putInt(2).putLong(12).putInt(1).putInt(0);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(moreRunsThanBytes)));
        ByteBuffer v1MoreOffsetsThanBytes = ByteBuffer.allocate(28 + 8 + 4);
        v1MoreOffsetsThanBytes.putInt(AckCheckpoint.MAGIC).putShort((short) 1).putShort((short) 0).putLong(10)
                .putLong(10).putInt(2).putLong(12);
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(withCrc(v1MoreOffsetsThanBytes)));
        assertThrows(IOException.class, () -> AckCheckpoint.fromBytes(new byte[AckCheckpoint.HEADER_BYTES + 3]));
    }
}
