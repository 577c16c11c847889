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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * At-least-once delivery made safe at both ends. Payments carry an id (the AMQP {@code message-id});
 * the publisher resends two of them, as it must when a confirm is lost, and the queue, declared
 * with {@code x-message-deduplication} (Ferry; RabbitMQ needs the community plugin), stores each
 * id once and confirms every send. The consumer is idempotent: it keeps the ids it processed
 * together with their result, in one step (in a real service, one database transaction), and
 * acks a payment it has already applied without applying it again. It "crashes" after applying a
 * payment and before acking it; the broker redelivers that payment to the restarted consumer,
 * which recognises it. Checked:
 * <ul>
 *   <li>every send, resends included, is confirmed; the queue holds each payment once;</li>
 *   <li>the payment whose ack was lost is delivered again, flagged redelivered, and not applied again;</li>
 *   <li>the balance is the sum of the payments, each applied exactly once; the queue ends empty.</li>
 * </ul>
 */
public final class IdempotentPayments implements Example {
    private static final Map<String, Long> PAYMENTS = payments();
    private static final String CRASHES_AFTER = "pay-2";

    private static Map<String, Long> payments() {
        Map<String, Long> payments = new LinkedHashMap<>();
        payments.put("pay-1", 100L);
        payments.put("pay-2", 250L);
        payments.put("pay-3", -40L);
        payments.put("pay-4", 75L);
        payments.put("pay-5", 10L);
        return payments;
    }

    public static void main(String[] args) {
        ExampleLauncher.launch(new IdempotentPayments(), args);
    }

    @Override
    public String name() {
        return "idempotent-payments";
    }

    /**
     * The consumer's state: the balance, and per processed payment id the balance it left (the
     * result kept with the id). {@link #applyOnce} changes both together or neither.
     */
    static final class Ledger {
        private final Map<String, Long> results = new LinkedHashMap<>();
        private final List<String> applied = new ArrayList<>();
        private long balance;

        /** Applies the payment unless its id was processed; returns whether it did. */
        synchronized boolean applyOnce(String paymentId, long amount) {
            if (results.containsKey(paymentId)) {
                return false;
            }
            balance += amount;
            results.put(paymentId, balance);
            applied.add(paymentId);
            return true;
        }

        synchronized long balance() {
            return balance;
        }

        synchronized List<String> applied() {
            return List.copyOf(applied);
        }
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String payments = Names.unique("payments");
        try {
            runScenario(factory, timeout, payments, result);
        } finally {
            Cleanup.delete(factory, List.of(payments), List.of());
        }
        return result.build();
    }

    private void runScenario(ConnectionFactory factory, Duration timeout, String payments,
                             ExampleResult.Builder result) throws Exception {
        try (Connection connection = factory.newConnection("idempotent-payments")) {
            Channel publisher = connection.createChannel();
            Map<String, Object> arguments = Map.of("x-message-deduplication", true, "x-cache-size", 10_000);
            publisher.queueDeclare(payments, true, false, false, arguments);

            // The publisher: every payment, then two of them again, as after a lost confirm.
            publisher.confirmSelect();
            List<String> sends = new ArrayList<>(PAYMENTS.keySet());
            sends.add("pay-3");
            sends.add("pay-4");
            for (String id : sends) {
                publisher.basicPublish("", payments, payment(id), body(id));
            }
            boolean allConfirmed = publisher.waitForConfirms(timeout.toMillis());
            result.check(allConfirmed, "all " + sends.size() + " sends confirmed, the two resends included");
            int stored = publisher.queueDeclarePassive(payments).getMessageCount();
            result.checkEquals(PAYMENTS.size(), stored, "the queue stored each payment once");

            Ledger ledger = new Ledger();
            // The consumer's first run: applies pay-1 and acks it, applies pay-2, then dies before its ack.
            Channel firstRun = connection.createChannel();
            for (int i = 0; i < 2; i++) {
                GetResponse response = firstRun.basicGet(payments, false);
                if (response == null) {
                    result.check(false, "the first run found a payment to process");
                    return;
                }
                String id = response.getProps().getMessageId();
                ledger.applyOnce(id, Long.parseLong(new String(response.getBody(), StandardCharsets.UTF_8)));
                if (!id.equals(CRASHES_AFTER)) {
                    firstRun.basicAck(response.getEnvelope().getDeliveryTag(), false);
                }
            }
            firstRun.close(); // the crash: pay-2 is applied, its ack never sent

            // The restarted consumer: the rest, and pay-2 again.
            List<String> redeliveredIds = Collections.synchronizedList(new ArrayList<>());
            List<String> skipped = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch rest = new CountDownLatch(PAYMENTS.size() - 1);
            Channel restarted = connection.createChannel();
            restarted.basicQos(10);
            restarted.basicConsume(payments, false, (tag, delivery) -> {
                String id = delivery.getProperties().getMessageId();
                if (delivery.getEnvelope().isRedeliver()) {
                    redeliveredIds.add(id);
                }
                long amount = Long.parseLong(new String(delivery.getBody(), StandardCharsets.UTF_8));
                if (!ledger.applyOnce(id, amount)) {
                    skipped.add(id);
                }
                restarted.basicAck(delivery.getEnvelope().getDeliveryTag(), false); // after the result is kept
                rest.countDown();
            }, tag -> { });
            boolean inTime = rest.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.check(inTime, "the restarted consumer got the remaining deliveries");
            result.checkEquals(List.of(CRASHES_AFTER), List.copyOf(redeliveredIds),
                    "only the payment whose ack was lost came back, flagged redelivered");
            result.checkEquals(List.of(CRASHES_AFTER), List.copyOf(skipped),
                    "the consumer recognised it and did not apply it again");
            result.checkEquals(List.copyOf(PAYMENTS.keySet()), ledger.applied(), "each payment applied exactly once");
            long expected = PAYMENTS.values().stream().mapToLong(Long::longValue).sum();
            result.checkEquals(expected, ledger.balance(), "the balance is the sum of the payments");
            restarted.close();
            result.checkEquals(0, publisher.queueDeclarePassive(payments).getMessageCount(), "the queue ends empty");
        }
    }

    private static AMQP.BasicProperties payment(String id) {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).messageId(id).contentType("text/plain").build();
    }

    private static byte[] body(String id) {
        return Long.toString(PAYMENTS.get(id)).getBytes(StandardCharsets.UTF_8);
    }
}
