package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.batch;
import static dev.ferry.stream.StreamTestSupport.compressedBatch;
import static dev.ferry.stream.StreamTestSupport.copy;
import static dev.ferry.stream.StreamTestSupport.record;
import static dev.ferry.stream.StreamTestSupport.failure;
import static dev.ferry.stream.StreamTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogSlice;

class PartitionTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path data;

    private TopicRegistry registry;
    private Partition partition;

    @BeforeEach
    void createTopic() {
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        partition = await(registry.create("stream", 1, Map.of())).partition(0);
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void shouldAssignOffsetsAndStampTheLeaderEpoch() {
        AppendResult first = await(partition.append(batch(NOW, "a", "b", "c"), NOW));
        AppendResult second = await(partition.append(batch(NOW, "d"), NOW));

        assertThat(first.baseOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(2);
        assertThat(first.logAppendTimeMs()).isEqualTo(-1);
        assertThat(second.baseOffset()).isEqualTo(3);
        assertThat(partition.highWatermark()).isEqualTo(4);
        assertThat(partition.logEndOffset()).isEqualTo(4);
        ByteBuffer stored = partition.read(0, 1 << 20).readBytes();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(stored).batches()) {
            assertThat(batch.partitionLeaderEpoch()).isEqualTo(partition.leaderEpoch());
            assertThat(batch.isValid()).isTrue();
        }
    }

    @Test
    void shouldStoreACompressedBatchAsSent() {
        ByteBuffer sent = compressedBatch(NOW, "x", "y");
        int sentBytes = sent.remaining();

        await(partition.append(sent, NOW));

        LogSlice slice = partition.read(0, 1 << 20);
        assertThat(slice.sizeInBytes()).isEqualTo(sentBytes);
        assertThat(values(partition, 0)).containsExactly("x", "y");
    }

    @Test
    void shouldRefuseACorruptBatchAndStoreNothing() {
        ByteBuffer corrupt = batch(NOW, "a", "b");
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x5A));

        assertThat(failure(partition.append(corrupt, NOW))).isEqualTo(ErrorCode.CORRUPT_RECORD);

        assertThat(partition.logEndOffset()).isZero();
        await(partition.append(batch(NOW, "ok"), NOW));
        assertThat(values(partition, 0)).containsExactly("ok");
    }

    @Test
    void shouldRefuseTruncatedGarbageAndTwoBatchesInOne() {
        ByteBuffer whole = batch(NOW, "a");
        ByteBuffer truncated = whole.duplicate().limit(whole.limit() - 3).slice();
        ByteBuffer two = ByteBuffer.allocate(whole.remaining() * 2);
        two.put(whole.duplicate()).put(whole.duplicate()).flip();

        assertThat(failure(partition.append(truncated, NOW))).isEqualTo(ErrorCode.CORRUPT_RECORD);
        assertThat(failure(partition.append(ByteBuffer.allocate(10), NOW))).isEqualTo(ErrorCode.CORRUPT_RECORD);
        assertThat(failure(partition.append(ByteBuffer.allocate(100), NOW))).isEqualTo(ErrorCode.CORRUPT_RECORD);
        assertThat(failure(partition.append(two, NOW))).isEqualTo(ErrorCode.INVALID_RECORD);
        assertThat(partition.logEndOffset()).isZero();
    }

    @Test
    void shouldRefuseABatchAboveMaxMessageBytes() {
        Partition small = await(registry.create("small", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "200"))).partition(0);

        assertThat(failure(small.append(batch(NOW, "x".repeat(300)), NOW))).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
        await(small.append(batch(NOW, "fits"), NOW));
        assertThat(small.logEndOffset()).isEqualTo(1);
    }

    @Test
    void shouldRefuseATimestampTooFarAhead() {
        long anHourAndAMinuteAhead = NOW + 3_660_000L;

        assertThat(failure(partition.append(batch(anHourAndAMinuteAhead, "future"), NOW)))
                .isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        await(partition.append(batch(NOW + 60_000, "soon"), NOW));
    }

    @Test
    void shouldAcceptTimestampsAtEitherLimitAndRefuseThemOneMillisecondPast() {
        Partition strict = await(registry.create("strict", 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, "1000",
                TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "1000"))).partition(0);

        await(strict.append(batch(NOW + 1_000, "at the limit ahead"), NOW));
        await(strict.append(batch(NOW - 1_000, "at the limit behind"), NOW));
        assertThat(failure(strict.append(batch(NOW + 1_001, "too far ahead"), NOW))).isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(failure(strict.append(batch(NOW - 1_001, "too far behind"), NOW))).isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(failure(strict.append(batch(0, "timestamp zero is a time too"), NOW))).isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        // A producer that sets no timestamp (-1) is held to neither limit.
        await(strict.append(batch(RecordBatch.NO_TIMESTAMP, "no timestamp"), NOW));

        assertThat(values(strict, 0)).containsExactly("at the limit ahead", "at the limit behind", "no timestamp");
    }

    @Test
    void shouldNameEachRecordOutsideTheWindowByItsIndexInTheBatch() {
        Partition strict = await(registry.create("window", 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, "1000",
                TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "1000"))).partition(0);
        // The first record is in the window, so the header (base = first, max = largest) hides the old one.
        ByteBuffer batch = copy(MemoryRecords.withRecords(Compression.gzip().build(), record(NOW, "now"),
                record(NOW - 5_000, "old"), record(NOW + 500, "soon"), record(NOW + 7_000, "future")).buffer());

        Throwable refused = catchThrowable(() -> strict.append(batch, NOW).get(30, TimeUnit.SECONDS)).getCause();

        assertThat(refused).isInstanceOf(RecordTimestampsRefused.class)
                .hasMessage("One or more records have been rejected due to invalid timestamp");
        long lowest = NOW - 1_000;
        long highest = NOW + 1_000;
        assertThat(((RecordTimestampsRefused) refused).records()).containsExactly(
                new RecordTimestampsRefused.RefusedRecord(1, "Timestamp " + (NOW - 5_000) + " of message with offset 1 is out of range."
                        + " The timestamp should be within [" + lowest + ", " + highest + "]"),
                new RecordTimestampsRefused.RefusedRecord(3, "Timestamp " + (NOW + 7_000) + " of message with offset 3 is out of range."
                        + " The timestamp should be within [" + lowest + ", " + highest + "]"));
        assertThat(strict.logEndOffset()).isZero();
    }

    @Test
    void shouldStampLogAppendTimeWhenTheTopicAsksForIt() {
        Partition stamped = await(registry.create("stamped", 1,
                Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, TopicConfig.LOG_APPEND_TIME))).partition(0);

        AppendResult result = await(stamped.append(batch(NOW - 5_000, "a"), NOW));

        assertThat(result.logAppendTimeMs()).isEqualTo(NOW);
        MutableRecordBatch batch = MemoryRecords.readableRecords(stamped.read(0, 1 << 20).readBytes()).batches()
                .iterator().next();
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.timestampType()).isEqualTo(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(NOW);
    }

    @Test
    void shouldRefuseACorruptBatchBeforeStampingItWithLogAppendTime() {
        // Stamping rewrites the CRC: a damaged batch must be caught before, or it would be stored as valid.
        Partition stamped = await(registry.create("stamped", 1,
                Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, TopicConfig.LOG_APPEND_TIME))).partition(0);
        ByteBuffer corrupt = batch(NOW, "a", "b");
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x5A));

        assertThat(failure(stamped.append(corrupt, NOW))).isEqualTo(ErrorCode.CORRUPT_RECORD);
        assertThat(stamped.logEndOffset()).isZero();
    }

    @Test
    void shouldRefuseAppendsToAPartitionWhoseTopicWasDeleted() {
        await(partition.append(batch(NOW, "a"), NOW));
        await(registry.delete("stream"));

        assertThat(failure(partition.append(batch(NOW, "late"), NOW))).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void shouldRefuseReadsOutsideTheLogAndGiveNothingAtTheHighWatermark() {
        await(partition.append(batch(NOW, "a"), NOW));

        assertThat(partition.read(1, 1024).isEmpty()).isTrue();
        assertThatThrownBy(() -> partition.read(2, 1024)).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThatThrownBy(() -> partition.read(-1, 1024)).isInstanceOf(BrokerException.class);
    }

    @Test
    void shouldWakeAParkedReaderWhenTheHighWatermarkPassesItsOffset() {
        await(partition.append(batch(NOW, "a"), NOW));
        AtomicInteger woken = new AtomicInteger();
        HighWatermarkWait alreadyPassed = partition.whenHighWatermarkAbove(0, woken::incrementAndGet);
        assertThat(woken).hasValue(1);
        assertThat(alreadyPassed.cancel()).isFalse();

        AtomicInteger parked = new AtomicInteger();
        partition.whenHighWatermarkAbove(1, parked::incrementAndGet);
        HighWatermarkWait cancelled = partition.whenHighWatermarkAbove(1, () -> {
            throw new AssertionError("a cancelled wait ran");
        });
        assertThat(cancelled.cancel()).isTrue();
        assertThat(parked).hasValue(0);

        await(partition.append(batch(NOW, "b"), NOW));

        await().untilAtomic(parked, org.hamcrest.Matchers.equalTo(1));
    }

    @Test
    void shouldWakeParkedReadersWhenTheTopicIsDeleted() {
        AtomicInteger parked = new AtomicInteger();
        partition.whenHighWatermarkAbove(0, parked::incrementAndGet);

        await(registry.delete("stream"));

        assertThat(parked).hasValue(1);
        assertThatThrownBy(() -> partition.read(0, 1024)).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void shouldFindOffsetsByTimestamp() {
        await(partition.append(batch(NOW, "a"), NOW));
        await(partition.append(batch(NOW + 1_000, "b"), NOW));

        assertThat(partition.offsetForTimestamp(NOW - 1)).isZero();
        assertThat(partition.offsetForTimestamp(NOW + 500)).isEqualTo(1);
        assertThat(partition.offsetForTimestamp(NOW + 2_000)).isEqualTo(-1);
    }

    @Test
    void shouldFindTheFirstRecordWithTheLargestTimestamp() {
        assertThat(partition.maxTimestamp()).isNull();
        await(partition.append(batch(NOW, "a"), NOW));
        await(partition.append(batch(NOW + 5_000, "b", "c"), NOW));
        await(partition.append(batch(NOW + 1_000, "d"), NOW));

        assertThat(partition.maxTimestamp()).isEqualTo(new TimestampAndOffset(NOW + 5_000, 1));
    }

    @Test
    void shouldReportATimestampOfZeroAsTheLargest() {
        await(partition.append(batch(0, "1970"), NOW));

        assertThat(partition.maxTimestamp()).isEqualTo(new TimestampAndOffset(0, 0));
    }

    @Test
    void shouldMoveTheLogStartDurablyWithDeleteRecords() {
        await(partition.append(batch(NOW, "a", "b"), NOW));
        await(partition.append(batch(NOW, "c"), NOW));

        assertThat(await(partition.deleteRecordsBefore(2))).isEqualTo(2);

        assertThat(partition.logStartOffset()).isEqualTo(2);
        assertThatThrownBy(() -> partition.read(1, 1024)).isInstanceOf(BrokerException.class);
        assertThat(values(partition, 2)).containsExactly("c");
        assertThat(failure(partition.deleteRecordsBefore(4))).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(await(partition.deleteRecordsBefore(1))).isEqualTo(2);
        registry.close();
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        Partition reopened = registry.topic("stream").orElseThrow().partition(0);
        assertThat(reopened.logStartOffset()).isEqualTo(2);
        assertThat(await(reopened.deleteRecordsBefore(-1))).isEqualTo(3);
    }
}
