package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import dev.ferry.it.support.BrokerJmx;
import dev.ferry.it.support.BrokerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large bodies (from 1 MiB) live off the heap and are given back when the last holder is done:
 * here messages fanned out to a durable and a transient queue, paged to disk behind a backlog, read
 * back, delivered to consumers and acknowledged. Every body arrives intact, and afterwards the
 * broker holds no off-heap body bytes and left none to the garbage collector: each holder on this
 * path (the publish, each queue, each paged write, each delivery) gave its reference back.
 */
class OffHeapBodiesTest {
    private static final int MESSAGES = 12;
    private static final int BODY_BYTES = 3 << 20;

    @TempDir
    Path temp;

    @Test
    void shouldGiveBackEveryLargeBodyOnceConsumedAndAcknowledged() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"))) {
            try (Connection connection = connect(broker)) {
                Channel publisher = connection.createChannel();
                publisher.exchangeDeclare("large", "fanout");
                publisher.queueDeclare("large-durable", true, false, false, null);
                publisher.queueDeclare("large-transient", false, false, false, null);
                publisher.queueBind("large-durable", "large", "");
                publisher.queueBind("large-transient", "large", "");
                publisher.confirmSelect();
                Map<Integer, Long> sent = new ConcurrentHashMap<>();
                for (int i = 0; i < MESSAGES; i++) {
                    byte[] body = body(i);
                    sent.put(i, checksum(body));
                    publisher.basicPublish("large", "", MessageProperties.PERSISTENT_BASIC, body);
                }
                publisher.waitForConfirmsOrDie(60_000);

                try (BrokerJmx jmx = BrokerJmx.attach(broker)) {
                    assertThat(jmx.ingress("OffHeapBodyBytes")).as("bodies waiting in memory are off the heap")
                            .isPositive();
                    Map<Integer, Long> durable = consumeAll(connection, "large-durable");
                    Map<Integer, Long> transientCopies = consumeAll(connection, "large-transient");
                    assertThat(durable).isEqualTo(sent);
                    assertThat(transientCopies).isEqualTo(sent);

                    await().atMost(Duration.ofSeconds(5)).until(() -> jmx.ingress("OffHeapBodyBytes") == 0);
                    assertThat(jmx.ingress("OffHeapBodyBytesLeftToCollector"))
                            .as("every body was released, none waited for a collection").isZero();
                }
            }
            assertThat(broker.isAlive()).isTrue();
        }
    }

    /**
     * The other ways out of a queue: dropped by a length limit (dead-lettered), refused by a full
     * queue, expired without a dead-letter exchange, rejected (dead-lettered), purged; and publishes
     * of a transaction rolled back or left uncommitted; a message taken by the HTTP API's get. Only the dead letters
     * are consumed; afterwards nothing is held off the heap and nothing was left to the collector.
     */
    @Test
    void shouldGiveBackTheBodiesOfMessagesDroppedRefusedExpiredAndDeadLettered() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"))) {
            try (Connection connection = connect(broker)) {
                Channel channel = connection.createChannel();
                channel.exchangeDeclare("dlx", "fanout");
                channel.queueDeclare("parked", true, false, false, null);
                channel.queueBind("parked", "dlx", "");
                channel.queueDeclare("short", true, false, false, Map.of("x-max-length", 2, "x-dead-letter-exchange", "dlx"));
                channel.queueDeclare("fleeting", false, false, false, Map.of("x-message-ttl", 100));
                channel.queueDeclare("refusing", true, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
                channel.confirmSelect();
                Map<Integer, Long> sent = new ConcurrentHashMap<>();
                for (int i = 0; i < 5; i++) {
                    byte[] body = body(i);
                    sent.put(i, checksum(body));
                    channel.basicPublish("", "short", MessageProperties.PERSISTENT_BASIC, body);
                    channel.basicPublish("", "fleeting", null, body);
                }
                channel.waitForConfirmsOrDie(60_000);
                channel.basicPublish("", "refusing", MessageProperties.PERSISTENT_BASIC, body(100));
                channel.basicPublish("", "refusing", MessageProperties.PERSISTENT_BASIC, body(101));
                assertThat(channel.waitForConfirms(60_000)).as("the second is refused by the full queue").isFalse();
                for (int rejected = 0; rejected < 2; rejected++) {
                    long tag = channel.basicGet("short", false).getEnvelope().getDeliveryTag();
                    channel.basicReject(tag, false);
                }
                channel.queuePurge("refusing");
                Channel transactional = connection.createChannel();
                transactional.txSelect();
                transactional.basicPublish("", "parked", MessageProperties.PERSISTENT_BASIC, body(200));
                transactional.txRollback();
                transactional.basicPublish("", "parked", MessageProperties.PERSISTENT_BASIC, body(201));
                transactional.close(); // uncommitted: dropped with the channel
                channel.queueDeclare("peeked", false, false, false, null);
                channel.basicPublish("", "peeked", null, body(300));
                channel.waitForConfirmsOrDie(60_000);
                HttpResponse<String> got = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/queues/%2F/peeked/get"))
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                                "guest:guest".getBytes(StandardCharsets.UTF_8)))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"count\":1,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"base64\",\"truncate\":8}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
                assertThat(got.body()).contains("\"payload_bytes\":" + BODY_BYTES);
                await().atMost(Duration.ofSeconds(10)).until(() -> channel.messageCount("fleeting") == 0);

                try (BrokerJmx jmx = BrokerJmx.attach(broker)) {
                    assertThat(consumeAll(connection, "parked", 5)).as("three dropped and two rejected, intact")
                            .isEqualTo(sent);
                    await().atMost(Duration.ofSeconds(5)).until(() -> jmx.ingress("OffHeapBodyBytes") == 0);
                    assertThat(jmx.ingress("OffHeapBodyBytesLeftToCollector"))
                            .as("every body was released, none waited for a collection").isZero();
                }
            }
            assertThat(broker.isAlive()).isTrue();
        }
    }

    private static Connection connect(BrokerProcess broker) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }

    /** Consumes every message of the queue with prefetch 2 and manual acks; checksums by message number. */
    private static Map<Integer, Long> consumeAll(Connection connection, String queue) throws Exception {
        return consumeAll(connection, queue, MESSAGES);
    }

    private static Map<Integer, Long> consumeAll(Connection connection, String queue, int messages) throws Exception {
        Channel channel = connection.createChannel();
        channel.basicQos(2);
        Map<Integer, Long> received = new ConcurrentHashMap<>();
        channel.basicConsume(queue, false, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws java.io.IOException {
                received.put(ByteBuffer.wrap(body).getInt(), checksum(body));
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == messages);
        channel.close();
        return received;
    }

    /** A body that starts with its number and differs from every other in each byte. */
    private static byte[] body(int number) {
        byte[] body = new byte[BODY_BYTES];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + number);
        }
        ByteBuffer.wrap(body).putInt(number);
        return body;
    }

    private static long checksum(byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return crc.getValue();
    }
}
