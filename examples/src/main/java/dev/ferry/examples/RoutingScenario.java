package dev.ferry.examples;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The common part of the direct and topic routing examples: one exchange, a few subscribers each
 * with a server-named queue bound by some keys or patterns, one message per routing key, and a
 * record of which routing keys reached which subscriber.
 *
 * <p>Design note: to know that nothing more will arrive without waiting an arbitrary time, an
 * end-of-stream marker is published to every queue through the default exchange after the routed
 * messages. Messages from one channel into one queue keep their order, so once a subscriber has
 * the marker it has everything the exchange routed to it.
 */
final class RoutingScenario {
    private static final String END_OF_STREAM = "end-of-stream";

    private RoutingScenario() {
    }

    /**
     * Declares {@code exchange} of {@code type}, binds one queue per entry of {@code bindings}
     * (subscriber name to its binding keys), publishes one message per routing key in
     * {@code routingKeys} and returns, per subscriber, the routing keys it received in order; null
     * if the subscribers did not all see the end of the stream within {@code timeout}.
     */
    static Map<String, List<String>> route(ConnectionFactory factory, Duration timeout, BuiltinExchangeType type,
            String exchange, Map<String, List<String>> bindings, List<String> routingKeys) throws Exception {
        try (Connection subscriberConnection = factory.newConnection("routing-subscribers");
                Connection publisherConnection = factory.newConnection("routing-publisher")) {
            Channel publisher = publisherConnection.createChannel();
            publisher.exchangeDeclare(exchange, type);

            Map<String, List<String>> received = new LinkedHashMap<>();
            List<String> queues = new ArrayList<>();
            CountDownLatch allEnded = new CountDownLatch(bindings.size());
            for (Map.Entry<String, List<String>> subscriber : bindings.entrySet()) {
                Channel channel = subscriberConnection.createChannel();
                String queue = channel.queueDeclare().getQueue();
                for (String bindingKey : subscriber.getValue()) {
                    channel.queueBind(queue, exchange, bindingKey);
                }
                List<String> inbox = Collections.synchronizedList(new ArrayList<>());
                channel.basicConsume(queue, true, (tag, delivery) -> {
                    if (delivery.getEnvelope().getExchange().isEmpty()
                            && END_OF_STREAM.equals(new String(delivery.getBody(), StandardCharsets.UTF_8))) {
                        allEnded.countDown();
                    } else {
                        inbox.add(delivery.getEnvelope().getRoutingKey());
                    }
                }, tag -> { });
                received.put(subscriber.getKey(), inbox);
                queues.add(queue);
            }

            for (String routingKey : routingKeys) {
                publisher.basicPublish(exchange, routingKey, null, ("message for " + routingKey).getBytes(StandardCharsets.UTF_8));
            }
            for (String queue : queues) {
                publisher.basicPublish("", queue, null, END_OF_STREAM.getBytes(StandardCharsets.UTF_8));
            }
            if (!allEnded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return null;
            }
            Map<String, List<String>> snapshot = new LinkedHashMap<>();
            received.forEach((name, inbox) -> snapshot.put(name, List.copyOf(inbox)));
            return snapshot;
        }
    }
}
