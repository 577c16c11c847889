package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An order pipeline: {@code OrderCreated} goes through a topic exchange to three services, inventory
 * and payment (both bound to {@code order.created}) and e-mail (bound to {@code order.paid}, which
 * payment publishes once it has charged the order). Three orders carry an expired card: payment
 * rejects them, the queue retries each three times with growing waits ({@code x-retry-delays},
 * Ferry's own) and then parks it in a dead-letter queue; an operator reads why ({@code x-death}),
 * has the card updated and replays them. The publisher also sends one order twice, as it would
 * after a lost confirm.
 *
 * <p>Exactly once where it matters, end to end: the broker delivers at least once, and each service
 * keeps the ids it has handled (the order id, carried as {@code message-id}), so a repeated delivery
 * is acknowledged without being done again. Checked: stock reserved once per order; each order
 * charged exactly once (the resent one reached payment twice); each failing order tried four
 * times, then parked with reason {@code delivery_limit}; after the replay every order is charged and
 * has exactly one receipt e-mail; every queue ends empty.
 */
public final class OrderPipeline implements Example {
    static final int ORDERS = 12;
    static final List<Long> RETRY_DELAYS_MS = List.of(100L, 200L, 400L);
    private static final String RESENT = "order-3";

    public static void main(String[] args) {
        ExampleLauncher.launch(new OrderPipeline(), args);
    }

    @Override
    public String name() {
        return "order-pipeline";
    }

    /** Orders 4, 8 and 12 carry an expired card until the operator has it updated. */
    private static boolean expiredCard(String order) {
        return Integer.parseInt(order.substring("order-".length())) % 4 == 0;
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String exchange = Names.unique("orders");
        String inventory = Names.unique("inventory");
        String payment = Names.unique("payment");
        String parked = Names.unique("payment-parked");
        String email = Names.unique("email");
        try (Connection connection = factory.newConnection("order-pipeline")) {
            Channel setup = connection.createChannel();
            setup.exchangeDeclare(exchange, "topic", true);
            setup.queueDeclare(parked, true, false, false, null);
            setup.queueDeclare(inventory, true, false, false, null);
            setup.queueDeclare(payment, true, false, false, Map.of("x-retry-delays", RETRY_DELAYS_MS,
                    "x-dead-letter-exchange", "", "x-dead-letter-routing-key", parked));
            setup.queueDeclare(email, true, false, false, null);
            setup.queueBind(inventory, exchange, "order.created");
            setup.queueBind(payment, exchange, "order.created");
            setup.queueBind(email, exchange, "order.paid");

            Set<String> cardsUpdated = ConcurrentHashMap.newKeySet();
            Map<String, AtomicInteger> reservations = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> charges = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> paymentDeliveries = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> receipts = new ConcurrentHashMap<>();
            CountDownLatch allReceipts = new CountDownLatch(ORDERS);
            // Deliveries each service has finished with (acked or given back), to know when all is quiet.
            AtomicInteger inventoryHandled = new AtomicInteger();
            AtomicInteger paymentHandled = new AtomicInteger();
            AtomicInteger emailHandled = new AtomicInteger();

            // Inventory: reserve stock once per order id.
            Channel inventoryService = connection.createChannel();
            Set<String> reserved = ConcurrentHashMap.newKeySet();
            inventoryService.basicConsume(inventory, false, (tag, delivery) -> {
                String order = delivery.getProperties().getMessageId();
                if (reserved.add(order)) {
                    reservations.computeIfAbsent(order, o -> new AtomicInteger()).incrementAndGet();
                }
                inventoryService.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                inventoryHandled.incrementAndGet();
            }, tag -> { });

            // Payment: charge once per order id, then announce order.paid; an expired card is given back.
            Channel paymentService = connection.createChannel();
            Channel paidOut = connection.createChannel();
            paidOut.confirmSelect();
            Set<String> charged = ConcurrentHashMap.newKeySet();
            paymentService.basicQos(1);
            paymentService.basicConsume(payment, false, (tag, delivery) -> {
                String order = delivery.getProperties().getMessageId();
                paymentDeliveries.computeIfAbsent(order, o -> new AtomicInteger()).incrementAndGet();
                if (expiredCard(order) && !cardsUpdated.contains(order)) {
                    paymentService.basicReject(delivery.getEnvelope().getDeliveryTag(), true);
                    paymentHandled.incrementAndGet();
                    return;
                }
                if (charged.add(order)) {
                    charges.computeIfAbsent(order, o -> new AtomicInteger()).incrementAndGet();
                    paidOut.basicPublish(exchange, "order.paid", persistent("paid-" + order), order.getBytes(StandardCharsets.UTF_8));
                    try {
                        paidOut.waitForConfirmsOrDie(10_000);
                    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                        throw new java.io.IOException("order.paid for " + order + " not confirmed", e);
                    }
                }
                paymentService.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                paymentHandled.incrementAndGet();
            }, tag -> { });

            // E-mail: one receipt per paid order.
            Channel emailService = connection.createChannel();
            Set<String> mailed = ConcurrentHashMap.newKeySet();
            emailService.basicConsume(email, false, (tag, delivery) -> {
                String order = new String(delivery.getBody(), StandardCharsets.UTF_8);
                if (mailed.add(delivery.getProperties().getMessageId())) {
                    receipts.computeIfAbsent(order, o -> new AtomicInteger()).incrementAndGet();
                    allReceipts.countDown();
                }
                emailService.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                emailHandled.incrementAndGet();
            }, tag -> { });

            Channel shop = connection.createChannel();
            shop.confirmSelect();
            List<String> orders = new ArrayList<>();
            for (int i = 1; i <= ORDERS; i++) {
                orders.add("order-" + i);
                shop.basicPublish(exchange, "order.created", persistent("order-" + i), ("OrderCreated order-" + i)
                        .getBytes(StandardCharsets.UTF_8));
            }
            shop.waitForConfirmsOrDie(timeout.toMillis());
            // A confirm "lost": the shop sends the order again.
            shop.basicPublish(exchange, "order.created", persistent(RESENT), ("OrderCreated " + RESENT)
                    .getBytes(StandardCharsets.UTF_8));
            shop.waitForConfirmsOrDie(timeout.toMillis());

            List<String> failing = orders.stream().filter(OrderPipeline::expiredCard).toList();
            List<GetResponse> parkedOrders = OrderRetries.awaitParked(setup, parked, failing.size(), timeout);
            result.checkEquals(failing.size(), parkedOrders.size(), "the " + failing.size()
                    + " orders with an expired card were parked");
            for (String order : failing) {
                AtomicInteger tries = paymentDeliveries.get(order);
                result.checkEquals(1 + RETRY_DELAYS_MS.size(), tries == null ? 0 : tries.get(),
                        order + ": payment tried once and retried three times before parking");
            }
            // The operator: why did they die? Then the card is updated and the order replayed to payment.
            for (GetResponse response : parkedOrders) {
                String order = response.getProps().getMessageId();
                Map<String, Object> death = OrderRetries.firstDeath(response.getProps());
                result.check(death != null && "delivery_limit".equals(String.valueOf(death.get("reason")))
                                && payment.equals(String.valueOf(death.get("queue"))),
                        order + ": parked with x-death reason delivery_limit from the payment queue");
                cardsUpdated.add(order);
                shop.basicPublish("", payment, persistent(order), response.getBody());
                setup.basicAck(response.getEnvelope().getDeliveryTag(), false);
            }
            shop.waitForConfirmsOrDie(timeout.toMillis());

            boolean done = allReceipts.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.check(done, "every order got its receipt e-mail");
            result.checkEquals(orders, counted(reservations, orders, 1), "stock was reserved exactly once per order");
            result.checkEquals(orders, counted(charges, orders, 1), "every order was charged exactly once");
            result.checkEquals(2, paymentDeliveries.getOrDefault(RESENT, new AtomicInteger()).get(),
                    "the resent " + RESENT + " reached payment twice (and was charged once)");
            result.checkEquals(orders, counted(receipts, orders, 1), "exactly one receipt e-mail per order");
            // Every delivery the flow makes, then none in flight when the services stop: inventory each
            // order and the resend; payment each order once, the resend, three retries of each
            // expired card and the replays; e-mail one per order.
            result.check(awaitCount(inventoryHandled, ORDERS + 1, timeout), "inventory handled "
                    + inventoryHandled.get() + " deliveries, the " + ORDERS + " orders and the resend");
            int paymentExpected = ORDERS + 1 + failing.size() * RETRY_DELAYS_MS.size() + failing.size();
            result.check(awaitCount(paymentHandled, paymentExpected, timeout), "payment handled "
                    + paymentHandled.get() + " deliveries of " + paymentExpected + " expected");
            result.check(awaitCount(emailHandled, ORDERS, timeout), "e-mail handled " + emailHandled.get()
                    + " deliveries, one per order");
            inventoryService.close();
            paymentService.close();
            emailService.close();
            for (String queue : List.of(inventory, payment, parked, email)) {
                result.checkEquals(0, setup.queueDeclarePassive(queue).getMessageCount(), queue + " ends empty");
            }
        } finally {
            Cleanup.delete(factory, List.of(inventory, payment, parked, email), List.of(exchange));
        }
        return result.build();
    }

    /** Waits until {@code count} reaches {@code expected}; false if it does not within {@code timeout}. */
    private static boolean awaitCount(AtomicInteger count, int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return count.get() == expected;
    }

    /** The orders whose count is exactly {@code times}, in order. */
    private static List<String> counted(Map<String, AtomicInteger> counts, List<String> orders, int times) {
        return orders.stream().filter(order -> counts.containsKey(order) && counts.get(order).get() == times).toList();
    }

    private static AMQP.BasicProperties persistent(String messageId) {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).messageId(messageId).contentType("text/plain").build();
    }
}
