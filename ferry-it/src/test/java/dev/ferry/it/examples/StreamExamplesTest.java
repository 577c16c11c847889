package dev.ferry.it.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.embedded.Ferry;
import dev.ferry.examples.Cqrs;
import dev.ferry.examples.EventSourcing;
import dev.ferry.examples.ExampleResult;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the examples that use AMQP and Kafka together against one broker in the test's JVM, on a
 * data directory of the test's own so that the event-sourcing example can have the broker stopped
 * and started again between writing its history and replaying it.
 */
@Timeout(120)
class StreamExamplesTest {
    private static final Duration SCENARIO_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    private static Ferry broker;

    @BeforeAll
    static void start() {
        broker = Ferry.builder().dataDir(dataDir).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static ConnectionFactory amqp() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    private static void assertSucceeded(ExampleResult result) {
        System.out.print(result.summary()); // the report in the test's output, as a user running it sees it
        assertThat(result.succeeded()).as(result.summary()).isTrue();
    }

    @Test
    void shouldRebuildTheBalanceFromEveryEventAndFromTheLatestSnapshotAfterARestart() throws Exception {
        EventSourcing example = new EventSourcing();
        assertSucceeded(example.append(broker.kafkaBootstrapServers(), SCENARIO_TIMEOUT));

        broker.close();
        broker = Ferry.builder().dataDir(dataDir).start();

        assertSucceeded(example.replay(broker.kafkaBootstrapServers(), SCENARIO_TIMEOUT));
    }

    @Test
    void shouldTakeCommandsOverAmqpAndKeepAReadModelAKafkaGroupCanRebuild() throws Exception {
        assertSucceeded(new Cqrs().run(amqp(), broker.kafkaBootstrapServers(), SCENARIO_TIMEOUT));
    }
}
