package dev.ferry.kafka.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Which partitions an incremental answer carries, against a model: a partition is reported when it
 * has records or an error, or when its high watermark, last stable offset or log start offset is
 * not what the client was last told (after an error the high watermark counts as never told).
 */
class IncrementalAnswerProperties {
    private static final int PARTITIONS = 4;
    private static final Uuid TOPIC = FetchSessionCacheTest.TOPIC;

    /** One partition's state as a read finds it. */
    record Read(long highWatermark, long lastStable, long logStart, boolean records, boolean error) {
    }

    @Property(tries = 200)
    void shouldReportExactlyThePartitionsWithNews(@ForAll("rounds") List<List<Read>> rounds) {
        FetchSessionCache cache = new FetchSessionCache(1, 1_000);
        int[] all = {0, 1, 2, 3};
        FetchResponseData first = answer(rounds.get(0));
        int id = cache.create(0, true, FetchSessionCacheTest.request(all), first);
        Map<Integer, long[]> told = new HashMap<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            tell(told, partition, rounds.get(0).get(partition));
        }
        for (int round = 1; round < rounds.size(); round++) {
            FetchSession session = cache.incremental(id, round, true, List.of(), List.of(), round).session();
            FetchResponseData answer = answer(rounds.get(round));
            session.keepIncremental(answer);
            List<Integer> expected = new ArrayList<>();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                Read read = rounds.get(round).get(partition);
                long[] before = told.get(partition);
                boolean news = read.records() || read.error() || before[0] != hw(read) || before[1] != lso(read)
                        || before[2] != logStart(read);
                if (news) {
                    expected.add(partition);
                }
                tell(told, partition, read);
            }
            List<Integer> reported = answer.responses().stream().flatMap(topic -> topic.partitions().stream())
                    .map(PartitionData::partitionIndex).sorted().toList();
            assertThat(reported).as("round %d", round).isEqualTo(expected);
        }
    }

    private static void tell(Map<Integer, long[]> told, int partition, Read read) {
        told.put(partition, new long[] {read.error() ? -1 : hw(read), lso(read), logStart(read)});
    }

    private static long hw(Read read) {
        return read.error() ? -1 : read.highWatermark();
    }

    private static long lso(Read read) {
        return read.error() ? -1 : read.lastStable();
    }

    private static long logStart(Read read) {
        return read.error() ? -1 : read.logStart();
    }

    private static FetchResponseData answer(List<Read> reads) {
        FetchableTopicResponse topic = new FetchableTopicResponse().setTopicId(TOPIC);
        for (int partition = 0; partition < reads.size(); partition++) {
            Read read = reads.get(partition);
            PartitionData data = new PartitionData().setPartitionIndex(partition).setRecords(MemoryRecords.EMPTY);
            if (read.error()) {
                data.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setHighWatermark(-1)
                        .setLastStableOffset(-1).setLogStartOffset(-1);
            } else {
                data.setHighWatermark(read.highWatermark()).setLastStableOffset(read.lastStable())
                        .setLogStartOffset(read.logStart());
                if (read.records()) {
                    data.setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("r".getBytes())));
                }
            }
            topic.partitions().add(data);
        }
        FetchResponseData answer = new FetchResponseData();
        answer.responses().add(topic);
        return answer;
    }

    @Provide
    Arbitrary<List<List<Read>>> rounds() {
        // Few distinct offsets, so that "unchanged" happens often.
        Arbitrary<Read> read = Combinators.combine(Arbitraries.longs().between(0, 2), Arbitraries.longs().between(0, 2),
                Arbitraries.longs().between(0, 1), Arbitraries.of(true, false), Arbitraries.integers().between(0, 9))
                .as((hw, lso, start, records, error) -> new Read(hw, lso, start, records, error == 0));
        return read.list().ofSize(PARTITIONS).list().ofMinSize(2).ofMaxSize(12);
    }
}
