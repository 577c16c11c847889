package dev.ferry.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Deletes what an example declared, on a fresh connection: the example's own channels may already
 * be closed by the error that ended it. Failures here are reported but never hide the example's result.
 */
final class Cleanup {
    private Cleanup() {
    }

    static void delete(ConnectionFactory factory, List<String> queues, List<String> exchanges) {
        try (Connection connection = factory.newConnection("ferry-examples-cleanup")) {
            for (String queue : queues) {
                Channel channel = connection.createChannel();
                channel.queueDelete(queue);
                channel.close();
            }
            for (String exchange : exchanges) {
                Channel channel = connection.createChannel();
                channel.exchangeDelete(exchange);
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            System.err.println("cleanup: could not delete " + queues + " " + exchanges + ": " + e);
        }
    }
}
