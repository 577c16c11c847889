package dev.ferry.it.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * One log, two protocols: a stream queue is a Kafka topic. pika publishes through a topic exchange
 * and a kafka-clients consumer group reads the records with the mapped key, headers and timestamp;
 * a kafka-clients producer writes and an AMQP stream consumer (RabbitMQ's Java client) reads from
 * first, an offset, a timestamp or only new records; with several partitions an AMQP publish lands
 * in the partition a Kafka producer picks for the same key ({@link StreamKafkaKillTest}: what was
 * confirmed survives SIGKILL). Ferry only (RabbitMQ has no Kafka port): one broker for the class,
 * embedded in the test's JVM (nothing here kills it or reads its log); tests keep apart by names
 * of their own, each on its own AMQP connection.
 */
class StreamKafkaInteropTest extends StreamInteropTestBase {
    @Test
    void shouldLetAKafkaGroupReadWhatPikaPublishedThroughATopicExchange() throws Exception {
        String stream = unique("orders");
        String exchange = unique("events");
        Channel channel = connection.createChannel();
        channel.queueDeclare(stream, true, false, false, Map.of("x-queue-type", "stream"));
        channel.exchangeDeclare(exchange, "topic", true);
        channel.queueBind(stream, exchange, "order.#");
        int count = 20;

        List<String> output = runPython("stream_publisher.py", Integer.toString(broker.amqpPort()), exchange, "order",
                Integer.toString(count));
        assertThat(output).contains("confirmed " + count);

        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, unique("group"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName())))) {
            consumer.subscribe(List.of(stream));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
            consumer.commitSync();
        }
        assertThat(records).hasSize(count);
        for (int i = 0; i < count; i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            assertThat(record.offset()).isEqualTo(i);
            assertThat(record.key()).isEqualTo("order." + i);
            assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("body-" + i);
            assertThat(record.timestamp()).isEqualTo((1_700_000_000L + i) * 1000);
            assertThat(text(record.headers().lastHeader("amqp.exchange"))).isEqualTo(exchange);
            assertThat(text(record.headers().lastHeader("amqp.content-type"))).isEqualTo("text/plain");
            assertThat(text(record.headers().lastHeader("amqp.message-id"))).isEqualTo("m-" + i);
            assertThat(text(record.headers().lastHeader("amqp.delivery-mode"))).isEqualTo("2");
            // A string header keeps its name and is plain text; others are typed under amqp.header.
            assertThat(text(record.headers().lastHeader("source"))).isEqualTo("pika");
            byte[] seq = record.headers().lastHeader("amqp.header.seq").value();
            assertThat(seq[0]).isIn((byte) 'b', (byte) 's', (byte) 'I', (byte) 'l');
        }
    }

    @Test
    void shouldLetAnAmqpStreamConsumerReadWhatAKafkaProducerWrote() throws Exception {
        String topic = unique("clicks");
        try (Admin admin = Admin.create(kafka(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        long baseMs = 1_700_000_000_000L;
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, null, baseMs + i * 60_000L, "user-" + i, "click-" + i,
                        List.of(new RecordHeader("page", ("/p/" + i).getBytes(StandardCharsets.UTF_8)),
                                new RecordHeader("raw", new byte[] {(byte) 0xff, 0, 1})))).get(30, TimeUnit.SECONDS);
            }
        }

        List<Delivered> first = consume(topic, "first");
        List<Delivered> fromOffset = consume(topic, 3);
        List<Delivered> fromTime = consume(topic, new Date(baseMs + 2 * 60_000L));
        List<Delivered> next = consume(topic, "next");
        await().atMost(Duration.ofSeconds(20)).until(() -> first.size() == 5 && fromOffset.size() == 2
                && fromTime.size() == 3);
        assertThat(first).extracting(Delivered::body).containsExactly("click-0", "click-1", "click-2", "click-3",
                "click-4");
        assertThat(fromOffset).extracting(Delivered::body).containsExactly("click-3", "click-4");
        assertThat(fromTime).extracting(Delivered::body).containsExactly("click-2", "click-3", "click-4");
        Delivered one = first.get(1);
        assertThat(one.exchange()).isEmpty();
        assertThat(one.routingKey()).isEqualTo("user-1");
        assertThat(one.properties().getTimestamp()).isEqualTo(new Date(baseMs + 60_000L));
        assertThat(one.properties().getHeaders().get("page").toString()).isEqualTo("/p/1");
        assertThat((byte[]) one.properties().getHeaders().get("raw")).containsExactly(0xff, 0, 1);
        assertThat(one.properties().getHeaders().get("x-stream-offset")).isEqualTo(1L);
        assertThat(next).isEmpty();

        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(topic, "user-9", "click-new")).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> next.size() == 1);
        assertThat(next.get(0).body()).isEqualTo("click-new");
        assertThat(next.get(0).properties().getHeaders().get("x-stream-offset")).isEqualTo(5L);
    }

    @Test
    void shouldPutAnAmqpPublishInThePartitionAKafkaProducerPicksForItsKey() throws Exception {
        String topic = unique("partitioned");
        try (Admin admin = Admin.create(kafka(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        String exchange = unique("direct");
        Channel channel = connection.createChannel();
        channel.exchangeDeclare(exchange, "topic", true);
        channel.queueBind(topic, exchange, "#");
        channel.confirmSelect();
        Map<String, Integer> kafkaPartition = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 12; i++) {
                String key = "customer-" + i;
                channel.basicPublish(exchange, key, null, ("amqp-" + i).getBytes(StandardCharsets.UTF_8));
                RecordMetadata written = producer.send(new ProducerRecord<>(topic, key, "kafka-" + i))
                        .get(30, TimeUnit.SECONDS);
                kafkaPartition.put(key, written.partition());
            }
        }
        channel.waitForConfirmsOrDie(10_000);
        assertThat(new java.util.HashSet<>(kafkaPartition.values())).as("the keys spread over the partitions")
                .hasSizeGreaterThan(1);

        Map<String, Integer> amqpPartition = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, unique("group"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName())))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value().startsWith("amqp-")) {
                        amqpPartition.put(record.key(), record.partition());
                    }
                }
                return amqpPartition.size() == 12;
            });
        }
        assertThat(amqpPartition).isEqualTo(kafkaPartition);

        // An AMQP consumer may read one partition of a partitioned topic (Ferry's x-stream-partition).
        Channel consumer = connection.createChannel();
        consumer.basicQos(10);
        assertThatThrownBy(() -> consumer.basicConsume(topic, false, Map.of("x-stream-offset", "first",
                "x-stream-partition", 3), new DefaultConsumer(consumer))).satisfies(thrown -> {
                    assertThat(AmqpTestBase.replyCode(thrown)).isEqualTo(406);
                    assertThat(AmqpTestBase.replyText(thrown)).isEqualTo("PRECONDITION_FAILED - queue '" + topic
                            + "' in vhost '/' has 3 partitions: choose one with x-stream-partition (0 to 2)");
                });
        List<Delivered> partitionTwo = consume(topic, "first", Map.of("x-stream-partition", 2));
        long expected = kafkaPartition.values().stream().filter(p -> p == 2).count() * 2;
        await().atMost(Duration.ofSeconds(20)).until(() -> partitionTwo.size() == expected);
    }

    @Test
    void shouldCancelAmqpConsumersOfATopicKafkaDeletesAndDeleteTheTopicOnQueueDelete() throws Exception {
        String topic = unique("short-lived");
        try (Admin admin = Admin.create(kafka(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Channel channel = connection.createChannel();
            channel.basicQos(10);
            List<String> cancelled = new CopyOnWriteArrayList<>();
            channel.basicConsume(topic, false, Map.of("x-stream-offset", "next"), new DefaultConsumer(channel) {
                @Override
                public void handleCancel(String consumerTag) {
                    cancelled.add(consumerTag);
                }
            });

            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(20)).until(() -> cancelled.size() == 1);
            assertThat(channel.isOpen()).isTrue();

            String declared = unique("declared");
            channel.queueDeclare(declared, true, false, false, Map.of("x-queue-type", "stream"));
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(declared);
            // Declared without x-max-age: kept whole, as RabbitMQ keeps such a stream, not for a Kafka topic's 7 days.
            org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, declared);
            assertThat(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                    .get("retention.ms").value()).isEqualTo("-1");
            channel.queueDelete(declared);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(declared, topic);
        }
    }

    private List<Delivered> consume(String stream, Object offset) throws IOException {
        return consume(stream, offset, Map.of());
    }

    private List<Delivered> consume(String stream, Object offset, Map<String, Object> more) throws IOException {
        Map<String, Object> arguments = new HashMap<>(more);
        arguments.put("x-stream-offset", offset);
        return consume(connection.createChannel(), stream, 50, arguments, new AtomicBoolean(true));
    }

    private static String text(Header header) {
        assertThat(header).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
