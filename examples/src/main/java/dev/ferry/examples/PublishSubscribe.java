package dev.ferry.examples;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publish/subscribe through a fanout exchange: each subscriber declares its own server-named,
 * exclusive queue and binds it; every published event reaches every subscriber, in publish order,
 * whatever the routing key. Also checked: an exclusive queue cannot be touched from another
 * connection (405 RESOURCE_LOCKED) and disappears with the connection that declared it (404).
 */
public final class PublishSubscribe implements Example {
    static final int SUBSCRIBERS = 3;
    static final int EVENTS = 20;
    private static final String END_OF_STREAM = "end-of-stream";

    public static void main(String[] args) {
        ExampleLauncher.launch(new PublishSubscribe(), args);
    }

    @Override
    public String name() {
        return "publish-subscribe";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String exchange = Names.unique("events");
        try (Connection publisherConnection = factory.newConnection("pubsub-publisher")) {
            Channel publisher = publisherConnection.createChannel();
            publisher.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT);

            List<String> queues = new ArrayList<>();
            List<List<String>> received = new ArrayList<>();
            CountDownLatch allEnded = new CountDownLatch(SUBSCRIBERS);
            Connection subscriberConnection = factory.newConnection("pubsub-subscribers");
            try {
                for (int i = 0; i < SUBSCRIBERS; i++) {
                    Channel channel = subscriberConnection.createChannel();
                    String queue = channel.queueDeclare().getQueue();
                    channel.queueBind(queue, exchange, "");
                    List<String> inbox = Collections.synchronizedList(new ArrayList<>());
                    channel.basicConsume(queue, true, (tag, delivery) -> {
                        String body = new String(delivery.getBody(), StandardCharsets.UTF_8);
                        if (body.equals(END_OF_STREAM)) {
                            allEnded.countDown();
                        } else {
                            inbox.add(body);
                        }
                    }, tag -> { });
                    queues.add(queue);
                    received.add(inbox);
                }
                result.check(queues.stream().noneMatch(String::isEmpty), "the broker named every subscriber's queue");
                result.checkEquals(SUBSCRIBERS, new HashSet<>(queues).size(), "every server-named queue is distinct");
                result.note("server-named queues look like " + queues.get(0));

                List<String> published = new ArrayList<>();
                for (int i = 0; i < EVENTS; i++) {
                    String event = "event-" + i;
                    // A fanout exchange ignores the routing key, so give each event a different one.
                    publisher.basicPublish(exchange, "key-" + i, null, event.getBytes(StandardCharsets.UTF_8));
                    published.add(event);
                }
                // Sent to each queue directly through the default exchange, after the events: once a
                // subscriber sees it, everything routed to its queue before it has arrived.
                for (String queue : queues) {
                    publisher.basicPublish("", queue, null, END_OF_STREAM.getBytes(StandardCharsets.UTF_8));
                }
                boolean ended = allEnded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                result.check(ended, "every subscriber reached the end of the stream");
                for (int i = 0; i < SUBSCRIBERS; i++) {
                    result.checkEquals(published, List.copyOf(received.get(i)),
                            "subscriber " + i + " got every event once, in publish order");
                }

                result.checkEquals(405, replyCodeOfPassiveDeclare(publisherConnection, queues.get(0)),
                        "another connection is refused an exclusive queue with 405 RESOURCE_LOCKED");
            } finally {
                subscriberConnection.close();
            }
            result.checkEquals(404, replyCodeOfPassiveDeclare(publisherConnection, queues.get(0)),
                    "an exclusive queue is deleted when its connection closes (404 NOT_FOUND)");
        } finally {
            Cleanup.delete(factory, List.of(), List.of(exchange));
        }
        return result.build();
    }

    /** Passively declares {@code queue} on a throwaway channel; 200 if it is there and usable, else the channel-close code. */
    static int replyCodeOfPassiveDeclare(Connection connection, String queue) throws IOException {
        Channel probe = connection.createChannel();
        try {
            probe.queueDeclarePassive(queue);
            probe.close();
            return 200;
        } catch (IOException e) {
            int code = ChannelErrors.replyCode(e);
            if (code < 0) {
                throw e;
            }
            return code;
        } catch (TimeoutException e) {
            throw new IOException(e);
        }
    }
}
