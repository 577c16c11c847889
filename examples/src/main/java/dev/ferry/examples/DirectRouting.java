package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Return;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Log messages routed by severity through a direct exchange: an "alerts" subscriber binds only
 * {@code error}, a "console" subscriber binds {@code info}, {@code warning} and {@code error}
 * (one queue, three bindings). A {@code debug} message matches no binding and is dropped; published
 * as mandatory it comes back to the publisher as basic.return 312 NO_ROUTE.
 */
public final class DirectRouting implements Example {
    static final List<String> SEVERITIES_PUBLISHED = List.of("info", "warning", "error", "debug", "error", "info");

    public static void main(String[] args) {
        ExampleLauncher.launch(new DirectRouting(), args);
    }

    @Override
    public String name() {
        return "direct-routing";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String exchange = Names.unique("logs-direct");
        try {
            Map<String, List<String>> bindings = new LinkedHashMap<>();
            bindings.put("alerts", List.of("error"));
            bindings.put("console", List.of("info", "warning", "error"));
            Map<String, List<String>> received = RoutingScenario.route(
                    factory, timeout, BuiltinExchangeType.DIRECT, exchange, bindings, SEVERITIES_PUBLISHED);
            result.check(received != null, "both subscribers saw the end of the stream");
            if (received != null) {
                result.checkEquals(List.of("error", "error"), received.get("alerts"), "alerts got only the errors");
                result.checkEquals(List.of("info", "warning", "error", "error", "info"), received.get("console"),
                        "console got info, warning and error in publish order, and no debug");
            }
            checkUnroutableIsReturned(factory, timeout, exchange, result);
        } finally {
            Cleanup.delete(factory, List.of(), List.of(exchange));
        }
        return result.build();
    }

    /** With no queue bound for "debug", a mandatory publish must come back as basic.return. */
    private static void checkUnroutableIsReturned(ConnectionFactory factory, Duration timeout, String exchange,
            ExampleResult.Builder result) throws Exception {
        try (Connection connection = factory.newConnection("direct-routing-mandatory")) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclarePassive(exchange);
            CompletableFuture<Return> returned = new CompletableFuture<>();
            channel.addReturnListener(returned::complete);
            channel.basicPublish(exchange, "debug", true, new AMQP.BasicProperties(),
                    "nobody listens to debug".getBytes(StandardCharsets.UTF_8));
            Return back = returned.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.checkEquals(312, back.getReplyCode(), "an unroutable mandatory message is returned with 312");
            result.checkEquals("NO_ROUTE", back.getReplyText(), "the return says NO_ROUTE");
            result.checkEquals(exchange + "/debug", back.getExchange() + "/" + back.getRoutingKey(),
                    "the return names the exchange and routing key");
        }
    }
}
