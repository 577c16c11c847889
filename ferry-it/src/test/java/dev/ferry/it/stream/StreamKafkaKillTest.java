package dev.ferry.it.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stream queue (a Kafka topic) confirmed survives SIGKILL of the broker, with its bindings.
 * A broker process of its own, the one it kills; {@link StreamKafkaInteropTest} has the rest on an
 * embedded broker.
 */
class StreamKafkaKillTest {
    @TempDir
    Path dataDir;
    private BrokerProcess broker;
    private Connection connection;

    @BeforeEach
    void startBroker() throws Exception {
        broker = BrokerProcess.start(dataDir);
        connection = amqp(broker);
    }

    @AfterEach
    void stopBroker() throws IOException {
        if (connection != null && connection.isOpen()) {
            connection.abort();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static Connection amqp(BrokerProcess broker) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void shouldKeepConfirmedStreamRecordsAndBindingsAcrossKillNine() throws Exception {
        String stream = unique("durable");
        String exchange = unique("feed");
        Channel channel = connection.createChannel();
        channel.queueDeclare(stream, true, false, false, Map.of("x-queue-type", "stream"));
        channel.exchangeDeclare(exchange, "fanout", true);
        channel.queueBind(stream, exchange, "");
        channel.confirmSelect();
        int confirmed = 0;
        for (int batch = 0; batch < 10; batch++) {
            for (int i = 0; i < 50; i++) {
                channel.basicPublish(exchange, "", null, ("m-" + (batch * 50 + i)).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);
            confirmed += 50;
        }

        broker.kill();
        broker = BrokerProcess.start(dataDir);
        connection = amqp(broker);

        Channel after = connection.createChannel();
        after.confirmSelect();
        after.basicPublish(exchange, "", null, "after-restart".getBytes(StandardCharsets.UTF_8));
        after.waitForConfirmsOrDie(10_000);
        List<String> all = consumeFromFirst(stream);
        int total = confirmed + 1;
        await().atMost(Duration.ofSeconds(30)).until(() -> all.size() == total);
        for (int i = 0; i < confirmed; i++) {
            assertThat(all.get(i)).isEqualTo("m-" + i);
        }
        assertThat(all.get(confirmed)).isEqualTo("after-restart");
    }

    /** Every body delivered to a consumer of {@code stream} from its first record, in order. */
    private List<String> consumeFromFirst(String stream) throws IOException {
        Channel channel = connection.createChannel();
        channel.basicQos(50);
        List<String> received = new CopyOnWriteArrayList<>();
        channel.basicConsume(stream, false, Map.of("x-stream-offset", "first"), new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                       byte[] body) throws IOException {
                received.add(new String(body, StandardCharsets.UTF_8));
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        });
        return received;
    }
}
