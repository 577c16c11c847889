package dev.ferry.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publisher confirms, three ways of waiting for them, each publishing the same number of persistent
 * messages into its own durable queue:
 * <ul>
 *   <li>individually: wait for the confirm of each message before sending the next;</li>
 *   <li>in batches: send a batch, then wait for all of its confirms at once;</li>
 *   <li>asynchronously: keep sending while a listener settles outstanding sequence numbers,
 *       including acks that cover many at once ({@code multiple = true}).</li>
 * </ul>
 * Each strategy must see every message acked, none nacked, and the queue must then hold them all.
 * Timings are printed as notes only: they depend on the disk, and nothing is claimed from them.
 */
public final class PublisherConfirms implements Example {
    static final int MESSAGES = 300;
    static final int BATCH_SIZE = 50;

    public static void main(String[] args) {
        ExampleLauncher.launch(new PublisherConfirms(), args);
    }

    @Override
    public String name() {
        return "publisher-confirms";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        try (Connection connection = factory.newConnection("publisher-confirms")) {
            for (Strategy strategy : Strategy.values()) {
                String queue = Names.unique("confirms-" + strategy.label);
                try {
                    Channel channel = connection.createChannel();
                    channel.queueDeclare(queue, true, false, false, null);
                    channel.confirmSelect();
                    long started = System.nanoTime();
                    String problem = strategy.publish(channel, queue, timeout);
                    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    result.check(problem == null, strategy.label + ": all " + MESSAGES + " messages confirmed"
                            + (problem == null ? "" : " (" + problem + ")"));
                    result.checkEquals(MESSAGES, channel.queueDeclarePassive(queue).getMessageCount(),
                            strategy.label + ": the queue holds every confirmed message");
                    result.note(strategy.label + ": " + MESSAGES + " persistent messages confirmed in " + elapsedMs + " ms");
                    channel.close();
                } finally {
                    Cleanup.delete(factory, List.of(queue), List.of());
                }
            }
        }
        return result.build();
    }

    private static byte[] body(int index) {
        return ("order-" + index).getBytes(StandardCharsets.UTF_8);
    }

    private enum Strategy {
        INDIVIDUAL("individual") {
            @Override
            String publish(Channel channel, String queue, Duration timeout) throws Exception {
                long deadline = System.nanoTime() + timeout.toNanos();
                for (int i = 0; i < MESSAGES; i++) {
                    channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, body(i));
                    // Throws if the broker nacks or the wait overruns.
                    channel.waitForConfirmsOrDie(remainingMs(deadline));
                }
                return null;
            }
        },
        BATCH("batch") {
            @Override
            String publish(Channel channel, String queue, Duration timeout) throws Exception {
                long deadline = System.nanoTime() + timeout.toNanos();
                for (int i = 0; i < MESSAGES; i++) {
                    channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, body(i));
                    if ((i + 1) % BATCH_SIZE == 0 || i == MESSAGES - 1) {
                        channel.waitForConfirmsOrDie(remainingMs(deadline));
                    }
                }
                return null;
            }
        },
        ASYNC("async") {
            @Override
            String publish(Channel channel, String queue, Duration timeout) throws Exception {
                // Sequence number -> message, for every message not yet confirmed.
                ConcurrentNavigableMap<Long, Integer> outstanding = new ConcurrentSkipListMap<>();
                CountDownLatch settled = new CountDownLatch(MESSAGES);
                AtomicInteger nacked = new AtomicInteger();
                channel.addConfirmListener(new ConfirmListener() {
                    @Override
                    public void handleAck(long sequenceNumber, boolean multiple) {
                        settle(sequenceNumber, multiple);
                    }

                    @Override
                    public void handleNack(long sequenceNumber, boolean multiple) {
                        nacked.addAndGet(settle(sequenceNumber, multiple));
                    }

                    private int settle(long sequenceNumber, boolean multiple) {
                        ConcurrentNavigableMap<Long, Integer> covered = multiple
                                ? outstanding.headMap(sequenceNumber, true)
                                : outstanding.subMap(sequenceNumber, true, sequenceNumber, true);
                        int count = 0;
                        for (Long key : covered.keySet()) {
                            if (outstanding.remove(key) != null) {
                                settled.countDown();
                                count++;
                            }
                        }
                        return count;
                    }
                });
                for (int i = 0; i < MESSAGES; i++) {
                    // Record the message before publishing: its confirm may arrive before basicPublish returns.
                    outstanding.put(channel.getNextPublishSeqNo(), i);
                    channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, body(i));
                }
                if (!settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    return outstanding.size() + " still unconfirmed after " + timeout.toSeconds() + " s";
                }
                if (nacked.get() > 0) {
                    return nacked.get() + " nacked";
                }
                return null;
            }
        };

        final String label;

        Strategy(String label) {
            this.label = label;
        }

        /** Publishes {@link #MESSAGES} messages and waits for their confirms; null on success, else what went wrong. */
        abstract String publish(Channel channel, String queue, Duration timeout) throws Exception;

        static long remainingMs(long deadlineNanos) throws TimeoutException {
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (left <= 0) {
                throw new TimeoutException("confirms did not arrive in time");
            }
            return left;
        }
    }
}
