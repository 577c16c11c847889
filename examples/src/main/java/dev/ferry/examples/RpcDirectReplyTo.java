package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Request/reply over AMQP with direct reply-to: the client consumes from the pseudo-queue
 * {@code amq.rabbitmq.reply-to} (no-ack, as the broker requires) and sends each request with
 * {@code reply_to = amq.rabbitmq.reply-to} and its own correlation id; a server consuming a named
 * request queue computes a Fibonacci number and publishes the answer to the default exchange with
 * the request's reply_to as routing key and the same correlation id. Requests are all sent before
 * any answer is awaited, so answers are matched by correlation id, not by order.
 */
public final class RpcDirectReplyTo implements Example {
    static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";
    static final List<Integer> REQUESTS = List.of(0, 1, 2, 10, 30, 50, 90, 200);

    public static void main(String[] args) {
        ExampleLauncher.launch(new RpcDirectReplyTo(), args);
    }

    @Override
    public String name() {
        return "rpc-direct-reply-to";
    }

    /** The n-th Fibonacci number, fib(0) = 0, fib(1) = 1; the server's whole job. */
    static BigInteger fibonacci(int n) {
        BigInteger previous = BigInteger.ZERO;
        BigInteger current = BigInteger.ONE;
        for (int i = 0; i < n; i++) {
            BigInteger next = previous.add(current);
            previous = current;
            current = next;
        }
        return previous;
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String requestQueue = Names.unique("rpc-fib");
        try (Connection serverConnection = factory.newConnection("rpc-server");
                Connection clientConnection = factory.newConnection("rpc-client")) {
            Set<String> replyAddressesSeen = ConcurrentHashMap.newKeySet();
            startServer(serverConnection, requestQueue, replyAddressesSeen);

            Channel client = clientConnection.createChannel();
            Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
            client.basicConsume(DIRECT_REPLY_TO, true, (tag, delivery) -> {
                CompletableFuture<String> waiting = pending.get(delivery.getProperties().getCorrelationId());
                if (waiting != null) {
                    waiting.complete(new String(delivery.getBody(), StandardCharsets.UTF_8));
                }
            }, tag -> { });

            Map<Integer, CompletableFuture<String>> answers = new LinkedHashMap<>();
            for (int n : REQUESTS) {
                String correlationId = UUID.randomUUID().toString();
                CompletableFuture<String> answer = new CompletableFuture<>();
                pending.put(correlationId, answer);
                answers.put(n, answer);
                AMQP.BasicProperties request = new AMQP.BasicProperties.Builder()
                        .correlationId(correlationId)
                        .replyTo(DIRECT_REPLY_TO)
                        .build();
                client.basicPublish("", requestQueue, request, Integer.toString(n).getBytes(StandardCharsets.UTF_8));
            }

            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<Integer, CompletableFuture<String>> answer : answers.entrySet()) {
                long leftNanos = Math.max(0, deadline - System.nanoTime());
                String expected = fibonacci(answer.getKey()).toString();
                try {
                    String actual = answer.getValue().get(leftNanos, TimeUnit.NANOSECONDS);
                    if (!expected.equals(actual)) {
                        wrong.add("fib(" + answer.getKey() + ") = " + actual + ", expected " + expected);
                    }
                } catch (TimeoutException e) {
                    wrong.add("fib(" + answer.getKey() + ") unanswered");
                }
            }
            result.checkEquals(List.of(), wrong, "all " + REQUESTS.size() + " requests got the right answer");
            result.note("fib(90) = " + fibonacci(90) + ", fib(200) has " + fibonacci(200).toString().length() + " digits");
            result.checkEquals(1, replyAddressesSeen.size(), "the server saw one reply address for the one client channel");
            String replyAddress = replyAddressesSeen.stream().findFirst().orElse("");
            result.check(replyAddress.startsWith(DIRECT_REPLY_TO + "."),
                    "the broker rewrote reply_to to a per-channel address starting with " + DIRECT_REPLY_TO + ".");
        } finally {
            Cleanup.delete(factory, List.of(requestQueue), List.of());
        }
        return result.build();
    }

    private static void startServer(Connection connection, String requestQueue, Set<String> replyAddressesSeen)
            throws IOException {
        Channel server = connection.createChannel();
        server.queueDeclare(requestQueue, false, false, false, null);
        server.basicQos(1);
        server.basicConsume(requestQueue, false, (tag, delivery) -> {
            AMQP.BasicProperties request = delivery.getProperties();
            replyAddressesSeen.add(request.getReplyTo());
            String answer;
            try {
                answer = fibonacci(Integer.parseInt(new String(delivery.getBody(), StandardCharsets.UTF_8).trim())).toString();
            } catch (NumberFormatException e) {
                answer = "error: not a number";
            }
            AMQP.BasicProperties reply = new AMQP.BasicProperties.Builder()
                    .correlationId(request.getCorrelationId())
                    .build();
            server.basicPublish("", request.getReplyTo(), reply, answer.getBytes(StandardCharsets.UTF_8));
            server.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
        }, tag -> { });
    }
}
