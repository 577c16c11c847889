package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A work queue shared by competing workers: tasks are persistent messages in a durable queue, each
 * worker asks for one unacknowledged task at a time (prefetch 1) and acknowledges only after the
 * work is done. Two things must follow, and are checked:
 * <ul>
 *   <li>a task held by a worker that goes away without acknowledging it is not lost: it is given
 *       to another worker, flagged as redelivered;</li>
 *   <li>dispatch is fair: a fast worker takes many more tasks than a slow one, instead of the two
 *       getting alternate tasks whatever their speed.</li>
 * </ul>
 * The workers' "work" is a pause of a fixed length per task; the fast one is ten times quicker.
 */
public final class WorkQueue implements Example {
    static final int TASKS = 30;
    private static final long FAST_WORK_MS = 5;
    private static final long SLOW_WORK_MS = 60;

    public static void main(String[] args) {
        ExampleLauncher.launch(new WorkQueue(), args);
    }

    @Override
    public String name() {
        return "work-queue";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String queue = Names.unique("tasks");
        try {
            runScenario(factory, timeout, queue, result);
        } finally {
            Cleanup.delete(factory, List.of(queue), List.of());
        }
        return result.build();
    }

    private void runScenario(ConnectionFactory factory, Duration timeout, String queue, ExampleResult.Builder result)
            throws Exception {
        try (Connection producerConnection = factory.newConnection("work-queue-producer")) {
            Channel producer = producerConnection.createChannel();
            producer.queueDeclare(queue, true, false, false, null);

            // A worker that takes the first task and then disappears without acknowledging it.
            String firstTask = "task-0";
            CountDownLatch quitterHasTask = new CountDownLatch(1);
            Connection quitterConnection = factory.newConnection("work-queue-quitter");
            Channel quitter = quitterConnection.createChannel();
            quitter.basicQos(1);
            quitter.basicConsume(queue, false, (tag, delivery) -> quitterHasTask.countDown(), tag -> { });
            producer.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, firstTask.getBytes(StandardCharsets.UTF_8));
            boolean quitterGotTask = quitterHasTask.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.check(quitterGotTask, "a worker received the first task");
            quitterConnection.close();

            Map<String, List<String>> handledBy = new ConcurrentHashMap<>();
            Map<String, Boolean> redeliveredFlags = new ConcurrentHashMap<>();
            AtomicInteger acks = new AtomicInteger();
            AtomicInteger transientDeliveries = new AtomicInteger();
            CountDownLatch allDone = new CountDownLatch(TASKS);
            List<Connection> workers = new ArrayList<>();
            try {
                for (Map.Entry<String, Long> worker : Map.of("fast", FAST_WORK_MS, "slow", SLOW_WORK_MS).entrySet()) {
                    String workerName = worker.getKey();
                    long workMs = worker.getValue();
                    handledBy.put(workerName, Collections.synchronizedList(new ArrayList<>()));
                    Connection connection = factory.newConnection("work-queue-" + workerName);
                    workers.add(connection);
                    Channel channel = connection.createChannel();
                    channel.basicQos(1);
                    DeliverCallback work = (tag, delivery) -> {
                        String task = new String(delivery.getBody(), StandardCharsets.UTF_8);
                        AMQP.BasicProperties properties = delivery.getProperties();
                        if (properties.getDeliveryMode() == null || properties.getDeliveryMode() != 2) {
                            transientDeliveries.incrementAndGet();
                        }
                        doWork(workMs);
                        handledBy.get(workerName).add(task);
                        redeliveredFlags.put(task, delivery.getEnvelope().isRedeliver());
                        channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                        acks.incrementAndGet();
                        allDone.countDown();
                    };
                    channel.basicConsume(queue, false, work, tag -> { });
                }
                for (int i = 1; i < TASKS; i++) {
                    producer.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN,
                            ("task-" + i).getBytes(StandardCharsets.UTF_8));
                }
                boolean finished = allDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                result.check(finished, "all " + TASKS + " tasks were worked off within " + timeout.toSeconds() + " s");
            } finally {
                for (Connection worker : workers) {
                    worker.close();
                }
            }

            List<String> fast = List.copyOf(handledBy.get("fast"));
            List<String> slow = List.copyOf(handledBy.get("slow"));
            Map<String, Integer> timesHandled = new HashMap<>();
            fast.forEach(task -> timesHandled.merge(task, 1, Integer::sum));
            slow.forEach(task -> timesHandled.merge(task, 1, Integer::sum));
            result.checkEquals(TASKS, timesHandled.size(), "every task was handled");
            result.check(timesHandled.values().stream().allMatch(count -> count == 1),
                    "no task was handled twice after it was acknowledged");
            result.checkEquals(TASKS, acks.get(), "one acknowledgement per task");
            result.checkEquals(Boolean.TRUE, redeliveredFlags.get(firstTask),
                    "the task the quitting worker held came back flagged redelivered");
            result.check(redeliveredFlags.entrySet().stream()
                            .filter(entry -> !entry.getKey().equals(firstTask))
                            .noneMatch(Map.Entry::getValue),
                    "no other task was flagged redelivered");
            result.checkEquals(0, transientDeliveries.get(), "every task arrived with delivery mode 2 (persistent)");
            result.check(fast.size() > 2 * slow.size(),
                    "fair dispatch: the fast worker did more than twice the slow one's tasks (fast "
                            + fast.size() + ", slow " + slow.size() + ")");

            AMQP.Queue.DeclareOk left = producer.queueDeclarePassive(queue);
            result.checkEquals(0, left.getMessageCount(), "the queue is empty at the end");
            result.checkEquals(0, left.getConsumerCount(), "no consumer is left on the queue");
        }
    }

    /** Stands in for real work: each worker takes a fixed time per task. */
    private static void doWork(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
