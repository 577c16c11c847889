package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The Java consumer's check of a position that carries a leader epoch (a committed offset, or a
 * seek with one): it asks OffsetForLeaderEpoch where that epoch's records end, and a position
 * beyond that end is a truncated log, which auto.offset.reset answers by moving back to the end.
 * Without the API the consumer skips the check and reads from wherever the position says.
 */
class KafkaLeaderEpochTest extends KafkaTestBase {

    @Test
    void shouldValidateAPositionAgainstWhereItsLeaderEpochEnds() throws Exception {
        String topic = unique("epochs");
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new StringSerializer())) {
            for (String value : List.of("zero", "one", "two")) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(clientProperties(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(partition));
            // A first read, so that the consumer knows the partition's leader epoch from metadata:
            // a position is validated only against a known current epoch.
            assertThat(pollUntilAny(consumer)).extracting(ConsumerRecord::offset).startsWith(0L);

            // Epoch 0 ends at offset 3: a position of 10 in it was truncated away, so the consumer moves to 3.
            consumer.seek(partition, new OffsetAndMetadata(10, Optional.of(0), ""));
            assertThat(consumer.position(partition, Duration.ofSeconds(30))).isEqualTo(3);

            consumer.seek(partition, new OffsetAndMetadata(2, Optional.of(0), ""));
            List<ConsumerRecord<String, String>> read = pollUntilAny(consumer);
            assertThat(read).extracting(ConsumerRecord::offset).containsExactly(2L);
            assertThat(read.get(0).value()).isEqualTo("two");
            assertThat(read.get(0).leaderEpoch()).hasValue(0);
        }
    }

    private static List<ConsumerRecord<String, String>> pollUntilAny(KafkaConsumer<String, String> consumer) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (read.isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(read::add);
        }
        return read;
    }
}
