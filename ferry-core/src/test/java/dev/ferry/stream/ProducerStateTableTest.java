package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.ferry.stream.ProducerStateTable.BatchMetadata;

/**
 * The table's edges that {@link ProducerStateTableModelTest} cannot see, because its model uses
 * them too: the sequence arithmetic at the wrap-around, and the boundaries of forgetting a producer.
 */
class ProducerStateTableTest {
    private static final long NOW = 1_700_000_000_000L;

    private final ProducerStateTable table = new ProducerStateTable();

    private void store(long producerId, short epoch, int firstSequence, int records, long firstOffset, long nowMs) {
        table.record(producerId, epoch, new BatchMetadata(firstSequence,
                ProducerStateTable.lastSequence(firstSequence, records), firstOffset, firstOffset + records - 1, NOW), nowMs);
    }

    @Test
    void shouldCountSequencesOnFromZeroAfterTheLargestInt() {
        assertThat(ProducerStateTable.lastSequence(0, 1)).isZero();
        assertThat(ProducerStateTable.lastSequence(10, 5)).isEqualTo(14);
        assertThat(ProducerStateTable.lastSequence(Integer.MAX_VALUE, 1)).isEqualTo(Integer.MAX_VALUE);
        // MAX-1, MAX, 0, 1
        assertThat(ProducerStateTable.lastSequence(Integer.MAX_VALUE - 1, 4)).isEqualTo(1);
        assertThat(ProducerStateTable.follows(Integer.MAX_VALUE, 0)).isTrue();
        assertThat(ProducerStateTable.follows(Integer.MAX_VALUE, 1)).isFalse();
    }

    @Test
    void shouldForgetOnlyProducersWhoseLastRecordIsBelowTheLogStart() {
        store(1, (short) 0, 0, 5, 0, NOW); // offsets 0..4
        store(2, (short) 0, 0, 6, 5, NOW); // offsets 5..10, its last at 10

        assertThat(table.forgetBelow(5)).isEqualTo(1);
        assertThat(table.entry(1)).isNull();
        assertThat(table.forgetBelow(10)).as("offset 10 is still in the log").isZero();
        assertThat(table.entry(2)).isNotNull();
        assertThat(table.forgetBelow(11)).isEqualTo(1);
        assertThat(table.size()).isZero();
    }

    @Test
    void shouldExpireProducersSilentForTheWholeExpirationTime() {
        store(1, (short) 0, 0, 1, 0, NOW);
        store(2, (short) 0, 0, 1, 1, NOW + 1);

        assertThat(table.expire(NOW + 999, 1_000)).isZero();
        assertThat(table.expire(NOW + 1_000, 1_000)).as("silent for exactly the expiration time").isEqualTo(1);
        assertThat(table.entry(1)).isNull();
        assertThat(table.entry(2).lastUpdateMs()).isEqualTo(NOW + 1);
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void shouldKeepAProducersBatchesAcrossAMarkerOfItsOwnEpochAndDropThemOnANewerOne() {
        store(7, (short) 3, 0, 2, 0, NOW);

        table.recordMarker(7, (short) 3, 2, NOW);
        assertThat(table.check(7, (short) 3, 0, 1).isDuplicate()).as("a retry after the commit").isTrue();
        assertThat(table.entry(7).lastOffset()).as("the marker is the producer's last write here").isEqualTo(2);

        table.recordMarker(7, (short) 4, 3, NOW);
        assertThat(table.entry(7).epoch()).isEqualTo((short) 4);
        assertThat(table.entry(7).batches()).isEmpty();
    }
}
