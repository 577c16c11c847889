package dev.ferry.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.PartitionRef;

/** The transaction log's record format: what it writes, and what it refuses to read back. */
class TransactionRecordCodecTest {
    private static final TransactionRecordCodec CODEC = TransactionRecordCodec.INSTANCE;

    private static TransactionMetadata record(TransactionState state, Map<String, List<OffsetToCommit>> offsets) {
        return new TransactionMetadata("tx-é", 1L << 40, (short) 300, 70_000, state,
                new TreeSet<>(List.of(new PartitionRef("b", 2), new PartitionRef("a", 70_000))), offsets, 123, 456);
    }

    private static TransactionMetadata roundTrip(TransactionMetadata record) {
        return CODEC.decode(ByteBuffer.wrap(CODEC.key(record)), ByteBuffer.wrap(CODEC.value(record)));
    }

    @Test
    void shouldReadBackEveryStateAndEveryField() {
        for (TransactionState state : TransactionState.values()) {
            TransactionMetadata record = record(state, Map.of(
                    "g1", List.of(new OffsetToCommit(new PartitionRef("in", 1), 1L << 35, 4, "meta"),
                            new OffsetToCommit(new PartitionRef("in", 2), 0, -1, "")),
                    "g2", List.of()));
            assertThat(roundTrip(record)).isEqualTo(record);
        }
    }

    @Test
    void shouldWriteTheKeyAsTheKindThenTheIdAndNoMetadataAsEmpty() {
        TransactionMetadata record = record(TransactionState.ONGOING,
                Map.of("g", List.of(new OffsetToCommit(new PartitionRef("in", 0), 5, 1, null))));
        assertThat(CODEC.key(record)).containsExactly(1, 't', 'x', '-', 0xC3 - 256, 0xA9 - 256);
        assertThat(roundTrip(record).pendingOffsets().get("g"))
                .containsExactly(new OffsetToCommit(new PartitionRef("in", 0), 5, 1, ""));
        byte[] value = CODEC.value(record);
        assertThat(value[0]).as("version").isEqualTo((byte) 1);
        assertThat(ByteBuffer.wrap(value, 1, 8).getLong()).isEqualTo(1L << 40);
        assertThat(value[15]).as("state").isEqualTo((byte) TransactionState.ONGOING.ordinal());
    }

    @Test
    void shouldRefuseWhatItDidNotWrite() {
        TransactionMetadata record = record(TransactionState.EMPTY, Map.of());
        byte[] key = CODEC.key(record);
        byte[] value = CODEC.value(record);

        assertThatThrownBy(() -> CODEC.decode(null, ByteBuffer.wrap(value))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CODEC.decode(ByteBuffer.allocate(0), ByteBuffer.wrap(value)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] otherKind = key.clone();
        otherKind[0] = 2;
        assertThatThrownBy(() -> CODEC.decode(ByteBuffer.wrap(otherKind), ByteBuffer.wrap(value)))
                .hasMessageContaining("not a transaction record key");
        assertThatThrownBy(() -> CODEC.decode(ByteBuffer.wrap(key), null)).hasMessageContaining("no value");

        byte[] version = value.clone();
        version[0] = 2;
        assertThatThrownBy(() -> CODEC.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(version)))
                .hasMessageContaining("value version 2");
        for (int state : new int[] {-1, TransactionState.values().length}) {
            byte[] badState = value.clone();
            badState[15] = (byte) state;
            assertThatThrownBy(() -> CODEC.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(badState)))
                    .hasMessageContaining("state " + state);
        }
        ByteBuffer negativeCount = ByteBuffer.wrap(value.clone());
        negativeCount.putInt(32, -1); // the partition count, after 1 + 8 + 2 + 4 + 1 + 8 + 8 bytes
        assertThatThrownBy(() -> CODEC.decode(ByteBuffer.wrap(key), negativeCount)).hasMessageContaining("count -1");
        ByteBuffer tooMany = ByteBuffer.wrap(value.clone());
        tooMany.putInt(32, value.length);
        assertThatThrownBy(() -> CODEC.decode(ByteBuffer.wrap(key), tooMany)).hasMessageContaining("count ");
    }

    @Test
    void shouldDecodeFromTheBuffersPositionsWithoutMovingThem() {
        TransactionMetadata record = record(TransactionState.PREPARE_COMMIT, Map.of());
        byte[] key = CODEC.key(record);
        byte[] value = CODEC.value(record);
        ByteBuffer keyBuffer = ByteBuffer.allocate(key.length + 3).position(3);
        keyBuffer.put(key).position(3);
        ByteBuffer valueBuffer = ByteBuffer.wrap(value);

        assertThat(CODEC.decode(keyBuffer, valueBuffer)).isEqualTo(record);
        assertThat(keyBuffer.position()).isEqualTo(3);
        assertThat(valueBuffer.position()).isZero();
    }

    @Test
    void shouldRefuseAStringTooLongToStore() {
        TransactionMetadata record = record(TransactionState.ONGOING,
                Map.of("x".repeat(0x10000), List.of()));
        assertThatThrownBy(() -> CODEC.value(record)).hasMessageContaining("65536 bytes is too long");
        TransactionMetadata longest = record(TransactionState.ONGOING, Map.of("x".repeat(0xFFFF), List.of()));
        assertThat(roundTrip(longest)).isEqualTo(longest);
    }
}
