package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
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

/**
 * An order service where nothing is lost. A worker processes orders and rejects (with requeue) the
 * ones it cannot handle; the queue retries each of those three times with growing waits
 * ({@code x-retry-delays}, Ferry's own) without holding up the orders behind it, then parks it in a
 * dead-letter queue. An operator step then reads the parked orders, learns from their
 * {@code x-death} history why and where they died, fixes them and replays them to the main queue,
 * where the worker now processes them. Checked:
 * <ul>
 *   <li>good orders are processed at once, each exactly once, not delayed by the bad ones;</li>
 *   <li>each bad order is tried four times (first try and three retries), at least 200, 400 and
 *       800 ms apart, with {@code x-delivery-count} 1, 2, 3 on the retries;</li>
 *   <li>the parked orders carry {@code x-death} reason {@code delivery_limit} from the order queue;</li>
 *   <li>after the replay every order has been processed and both queues are empty.</li>
 * </ul>
 */
public final class OrderRetries implements Example {
    static final List<Long> RETRY_DELAYS_MS = List.of(200L, 400L, 800L);
    private static final List<String> ORDERS = List.of("order-1 qty=2", "order-2 qty=-1", "order-3 qty=5",
            "order-4 qty=-3", "order-5 qty=1");

    public static void main(String[] args) {
        ExampleLauncher.launch(new OrderRetries(), args);
    }

    @Override
    public String name() {
        return "order-retries";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String orders = Names.unique("orders");
        String parked = Names.unique("orders-parked");
        try {
            runScenario(factory, timeout, orders, parked, result);
        } finally {
            Cleanup.delete(factory, List.of(orders, parked), List.of());
        }
        return result.build();
    }

    /** The worker's rule: an order with a quantity below one cannot be processed. */
    private static boolean canProcess(String order) {
        return !order.contains("qty=-");
    }

    private static boolean isBad(String order) {
        return !canProcess(order);
    }

    private void runScenario(ConnectionFactory factory, Duration timeout, String orders, String parked,
                             ExampleResult.Builder result) throws Exception {
        try (Connection connection = factory.newConnection("order-retries")) {
            Channel setup = connection.createChannel();
            setup.queueDeclare(parked, true, false, false, null);
            Map<String, Object> arguments = new HashMap<>();
            arguments.put("x-retry-delays", RETRY_DELAYS_MS);
            // Parked through the default exchange, straight into the parking queue.
            arguments.put("x-dead-letter-exchange", "");
            arguments.put("x-dead-letter-routing-key", parked);
            setup.queueDeclare(orders, true, false, false, arguments);

            long badOrders = ORDERS.stream().filter(OrderRetries::isBad).count();
            Map<String, List<Long>> attemptsAt = new ConcurrentHashMap<>();
            Map<String, List<Object>> deliveryCounts = new ConcurrentHashMap<>();
            List<String> processed = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch goodDone = new CountDownLatch((int) (ORDERS.size() - badOrders));
            CountDownLatch allDone = new CountDownLatch(ORDERS.size());

            Channel worker = connection.createChannel();
            worker.basicQos(1);
            worker.basicConsume(orders, false, (tag, delivery) -> {
                String order = new String(delivery.getBody(), StandardCharsets.UTF_8);
                attemptsAt.computeIfAbsent(order, o -> Collections.synchronizedList(new ArrayList<>()))
                        .add(System.nanoTime() / 1_000_000);
                Map<String, Object> headers = delivery.getProperties().getHeaders();
                deliveryCounts.computeIfAbsent(order, o -> Collections.synchronizedList(new ArrayList<>()))
                        .add(headers == null ? null : headers.get("x-delivery-count"));
                if (canProcess(order)) {
                    processed.add(order);
                    worker.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                    goodDone.countDown();
                    allDone.countDown();
                } else {
                    // Give it back: the queue decides when to retry, and when to give up.
                    worker.basicReject(delivery.getEnvelope().getDeliveryTag(), true);
                }
            }, tag -> { });

            Channel producer = connection.createChannel();
            long published = System.nanoTime() / 1_000_000;
            for (String order : ORDERS) {
                producer.basicPublish("", orders, persistent(), order.getBytes(StandardCharsets.UTF_8));
            }

            boolean goodInTime = goodDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long goodMs = System.nanoTime() / 1_000_000 - published;
            result.check(goodInTime && goodMs < RETRY_DELAYS_MS.get(0),
                    "the good orders were processed at once, not held up by the failing ones (" + goodMs + " ms)");

            List<GetResponse> parkedOrders = awaitParked(setup, parked, (int) badOrders, timeout);
            result.checkEquals((int) badOrders, parkedOrders.size(), "every bad order ended up parked");
            for (String order : ORDERS.stream().filter(OrderRetries::isBad).toList()) {
                List<Long> times = attemptsAt.getOrDefault(order, List.of());
                result.checkEquals(1 + RETRY_DELAYS_MS.size(), times.size(), order + ": tried once and retried three times");
                for (int retry = 1; retry < times.size() && retry <= RETRY_DELAYS_MS.size(); retry++) {
                    long gap = times.get(retry) - times.get(retry - 1);
                    long wanted = RETRY_DELAYS_MS.get(retry - 1);
                    result.check(gap >= wanted - 20, order + ": retry " + retry + " waited " + gap + " ms (>= " + wanted + ")");
                }
                result.checkEquals(List.of("none", "1", "2", "3"), texts(deliveryCounts.get(order)),
                        order + ": x-delivery-count on each attempt");
            }

            // The operator: why did they die, then fix and replay.
            for (GetResponse response : parkedOrders) {
                String order = new String(response.getBody(), StandardCharsets.UTF_8);
                Map<String, Object> death = firstDeath(response.getProps());
                result.check(death != null
                                && "delivery_limit".equals(String.valueOf(death.get("reason")))
                                && orders.equals(String.valueOf(death.get("queue"))),
                        order + ": parked with x-death reason delivery_limit from the order queue (" + death + ")");
                String fixed = order.replace("qty=-", "qty=");
                producer.basicPublish("", orders, persistent(), fixed.getBytes(StandardCharsets.UTF_8));
                setup.basicAck(response.getEnvelope().getDeliveryTag(), false);
                result.note("operator replayed '" + order + "' as '" + fixed + "'");
            }

            boolean allProcessed = allDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.check(allProcessed, "every order, replayed ones included, was processed");
            result.checkEquals(ORDERS.size(), processed.size(), "each order was processed exactly once");
            worker.close();
            result.checkEquals(0, setup.queueDeclarePassive(orders).getMessageCount(), "the order queue is empty");
            result.checkEquals(0, setup.queueDeclarePassive(parked).getMessageCount(), "the parking queue is empty");
        }
    }

    private static AMQP.BasicProperties persistent() {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).contentType("text/plain").build();
    }

    /** Takes (unacked) the parked orders as they arrive, until {@code count} or the timeout. */
    static List<GetResponse> awaitParked(Channel channel, String parked, int count, Duration timeout)
            throws Exception {
        List<GetResponse> taken = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (taken.size() < count && System.currentTimeMillis() < deadline) {
            GetResponse response = channel.basicGet(parked, false);
            if (response == null) {
                Thread.sleep(50);
            } else {
                taken.add(response);
            }
        }
        return taken;
    }

    /** The most recent x-death entry: the reason and queue of the latest death. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> firstDeath(AMQP.BasicProperties properties) {
        Map<String, Object> headers = properties.getHeaders();
        if (headers == null || !(headers.get("x-death") instanceof List<?> deaths) || deaths.isEmpty()) {
            return null;
        }
        return (Map<String, Object>) deaths.get(0);
    }

    private static List<String> texts(List<Object> values) {
        List<String> texts = new ArrayList<>();
        if (values != null) {
            for (Object value : values) {
                texts.add(value == null ? "none" : value.toString());
            }
        }
        return texts;
    }
}
