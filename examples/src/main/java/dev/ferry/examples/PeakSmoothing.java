package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Peak smoothing (load levelling): a burst of 10,000 orders arrives at once, faster than the one
 * worker behind the queue can take them; the queue absorbs the burst and the worker drains it at
 * its own fixed pace, never faster. While it runs the example samples the queue's depth and at the
 * end prints it as a chart in the terminal. Checked: every order is processed exactly once; the
 * queue held the burst (its depth rose well above what the worker takes at a time); the worker
 * never ran ahead of its rate; the queue ends empty.
 */
public final class PeakSmoothing implements Example {
    static final int ORDERS = 10_000;
    /** Orders per second the worker can handle. */
    static final int WORKER_RATE = 2_500;
    private static final int TICKS_PER_SECOND = 50;
    private static final int PREFETCH = 200;
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(250);
    private static final int CHART_WIDTH = 50;

    public static void main(String[] args) {
        ExampleLauncher.launch(new PeakSmoothing(), args);
    }

    @Override
    public String name() {
        return "peak-smoothing";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String queue = Names.unique("orders-burst");
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2, task -> {
            Thread thread = new Thread(task, "peak-smoothing-clock");
            thread.setDaemon(true);
            return thread;
        });
        try (Connection connection = factory.newConnection("peak-smoothing")) {
            Channel setup = connection.createChannel();
            setup.queueDeclare(queue, true, false, false, Map.of());

            // The worker: deliveries wait in a local buffer (at most the prefetch) and a clock tick
            // processes and acks WORKER_RATE / TICKS_PER_SECOND of them, which is the worker's pace.
            Channel worker = connection.createChannel();
            worker.basicQos(PREFETCH);
            ConcurrentLinkedQueue<Delivery> buffer = new ConcurrentLinkedQueue<>();
            worker.basicConsume(queue, false, (tag, delivery) -> buffer.add(delivery), tag -> { });
            BitSet processed = new BitSet(ORDERS);
            AtomicInteger duplicates = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            CountDownLatch drained = new CountDownLatch(1);
            List<int[]> paceViolations = new ArrayList<>();
            long started = System.nanoTime();
            clock.scheduleAtFixedRate(() -> {
                for (int i = 0; i < WORKER_RATE / TICKS_PER_SECOND; i++) {
                    Delivery order = buffer.poll();
                    if (order == null) {
                        break;
                    }
                    int id = Integer.parseInt(new String(order.getBody(), StandardCharsets.UTF_8).substring("order-".length()));
                    synchronized (processed) {
                        if (processed.get(id)) {
                            duplicates.incrementAndGet();
                        }
                        processed.set(id);
                    }
                    try {
                        worker.basicAck(order.getEnvelope().getDeliveryTag(), false);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    if (done.incrementAndGet() == ORDERS) {
                        drained.countDown();
                    }
                }
                double elapsedSeconds = (System.nanoTime() - started) / 1e9;
                // One tick's worth of slack: the count is read right after a tick.
                if (done.get() > WORKER_RATE * elapsedSeconds + 2 * WORKER_RATE / TICKS_PER_SECOND) {
                    paceViolations.add(new int[] {done.get(), (int) (elapsedSeconds * 1000)});
                }
            }, 0, 1000 / TICKS_PER_SECOND, TimeUnit.MILLISECONDS);

            // The depth sampler, on its own channel (queue.declare passive reports ready messages).
            Channel probe = connection.createChannel();
            List<long[]> depth = new ArrayList<>();
            // Fixed delay, not rate: a slow answer must not be followed by a bunch of catch-up samples.
            clock.scheduleWithFixedDelay(() -> {
                try {
                    long count = probe.queueDeclarePassive(queue).getMessageCount();
                    synchronized (depth) {
                        depth.add(new long[] {(System.nanoTime() - started) / 1_000_000, count});
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);

            // The burst: every order at once, persistent, confirmed.
            Channel publisher = connection.createChannel();
            publisher.confirmSelect();
            long burstStart = System.nanoTime();
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            for (int id = 0; id < ORDERS; id++) {
                publisher.basicPublish("", queue, persistent, ("order-" + id).getBytes(StandardCharsets.UTF_8));
            }
            publisher.waitForConfirmsOrDie(timeout.toMillis());
            long burstMillis = (System.nanoTime() - burstStart) / 1_000_000;

            boolean finished = drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long drainMillis = (System.nanoTime() - started) / 1_000_000;
            clock.shutdownNow();
            clock.awaitTermination(5, TimeUnit.SECONDS);
            long finalDepth = probe.queueDeclarePassive(queue).getMessageCount();
            List<long[]> samples;
            synchronized (depth) {
                samples = List.copyOf(depth);
            }
            long peak = samples.stream().mapToLong(sample -> sample[1]).max().orElse(0);

            result.check(finished, "the worker processed all " + ORDERS + " orders within " + timeout.toSeconds() + " s");
            synchronized (processed) {
                result.checkEquals(ORDERS, processed.cardinality(), "every order id was processed");
            }
            result.checkEquals(0, duplicates.get(), "no order was processed twice");
            result.check(peak > 2L * PREFETCH, "the queue absorbed the burst: peak depth " + peak
                    + " is well above the worker's prefetch of " + PREFETCH);
            result.checkEquals(List.of(), paceViolations.stream().map(v -> v[0] + " done at " + v[1] + " ms").toList(),
                    "the worker never ran ahead of " + WORKER_RATE + " orders/s");
            result.checkEquals(0L, finalDepth, "the queue ends empty");
            result.note("burst of " + ORDERS + " confirmed in " + burstMillis + " ms; drained in " + drainMillis
                    + " ms at " + WORKER_RATE + " orders/s");
            result.note("queue depth over time:");
            for (String line : chart(samples, peak)) {
                result.note(line);
            }
        } finally {
            clock.shutdownNow();
            Cleanup.delete(factory, List.of(queue), List.of());
        }
        return result.build();
    }

    /** One line per sample: time, a bar scaled to the peak, the depth. */
    static List<String> chart(List<long[]> samples, long peak) {
        List<String> lines = new ArrayList<>();
        for (long[] sample : samples) {
            int width = peak == 0 ? 0 : (int) Math.round((double) sample[1] * CHART_WIDTH / peak);
            lines.add(String.format("%6.2f s |%-" + CHART_WIDTH + "s| %,d", sample[0] / 1000.0, "#".repeat(width), sample[1]));
        }
        return lines;
    }
}
