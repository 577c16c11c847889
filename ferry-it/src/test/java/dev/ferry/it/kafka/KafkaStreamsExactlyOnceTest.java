package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams application, unchanged, against Ferry: the word count with
 * {@code processing.guarantee=exactly_once_v2}. It needs most of what Ferry's Kafka front offers
 * at once: internal topics created with their configs (a repartition topic, a compacted changelog),
 * a consumer group with Streams' own assignor, transactions spanning the output, the changelog
 * and the input offsets, read_committed reads, and DeleteRecords on the repartition topic. The
 * application is stopped half way and a second instance finishes the input from the committed
 * offsets and the changelog: every count in the output, read with read_committed, is exactly what
 * the input says, none counted twice.
 */
@Timeout(180)
class KafkaStreamsExactlyOnceTest extends KafkaTestBase {
    private static final List<String> FIRST_HALF = List.of("the quick brown fox", "jumps over the lazy dog",
            "the dog barks", "a fox runs");
    private static final List<String> SECOND_HALF = List.of("the fox and the dog", "lazy days", "quick quick quick");

    @TempDir
    Path stateDir;

    @Test
    void shouldCountEveryWordExactlyOnceAcrossARestartOfTheApplication() throws Exception {
        String input = unique("wc-in");
        String output = unique("wc-out");
        String application = unique("wordcount");
        try (var admin = admin()) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }

        produce(input, FIRST_HALF);
        try (KafkaStreams streams = start(application, input, output, stateDir.resolve("first"))) {
            awaitCounts(output, expectedCounts(FIRST_HALF));
        }
        produce(input, SECOND_HALF);
        try (KafkaStreams streams = start(application, input, output, stateDir.resolve("second"))) {
            List<String> all = new java.util.ArrayList<>(FIRST_HALF);
            all.addAll(SECOND_HALF);
            awaitCounts(output, expectedCounts(all));
        }
    }

    private static KafkaStreams start(String application, String input, String output, Path state) throws Exception {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.split(" ")))
                .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("word-counts"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(state).toString());
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        properties.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Streams does not leave its group on close: the second instance's rebalance waits for the
        // first one's session to time out, 45 s by default; the broker's minimum, 6 s, will do.
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);
        KafkaStreams streams = new KafkaStreams(builder.build(), properties);
        streams.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return streams;
    }

    private static void produce(String topic, List<String> lines) throws Exception {
        Map<String, Object> settings = Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(clientProperties(settings))) {
            int i = 0;
            for (String line : lines) {
                producer.send(new ProducerRecord<>(topic, "line-" + i++, line)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Map<String, Long> expectedCounts(List<String> lines) {
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            for (String word : line.split(" ")) {
                counts.merge(word, 1L, Long::sum);
            }
        }
        return counts;
    }

    /**
     * Reads the whole output from the start with read_committed until the latest count of every
     * word is the expected one; fails if any count ever goes past it (a word counted twice).
     */
    private static void awaitCounts(String output, Map<String, Long> expected) {
        Map<String, Object> settings = Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
        Map<String, Long> latest = new HashMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(clientProperties(settings))) {
            // No group (its first rebalance waits 3 s): every partition, from the start.
            List<TopicPartition> partitions = consumer.partitionsFor(output).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, Long> record : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(record.value()).as("count of '%s'", record.key())
                            .isLessThanOrEqualTo(expected.getOrDefault(record.key(), 0L));
                    latest.put(record.key(), record.value());
                }
                return latest.equals(expected);
            });
        }
        assertThat(latest).isEqualTo(expected);
    }
}
