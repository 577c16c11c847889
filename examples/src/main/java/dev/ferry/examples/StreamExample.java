package dev.ferry.examples;

import com.rabbitmq.client.ConnectionFactory;
import java.time.Duration;

/**
 * A scenario that uses both of Ferry's protocols on one log: AMQP through the RabbitMQ Java client
 * and Kafka through kafka-clients, against the same broker. Like {@link Example}, {@link #run}
 * does the whole scenario in the calling process and returns what it found; {@link ExampleLauncher}
 * turns it into a {@code main}. These need Ferry (RabbitMQ has no Kafka port).
 */
public interface StreamExample {

    /** A short name for summaries, e.g. {@code event-sourcing}. */
    String name();

    /**
     * Runs the scenario against the broker that {@code amqp} points at and whose Kafka listener is
     * {@code kafkaBootstrap} ({@code host:port}). Every wait is bounded by {@code timeout}.
     */
    ExampleResult run(ConnectionFactory amqp, String kafkaBootstrap, Duration timeout) throws Exception;
}
