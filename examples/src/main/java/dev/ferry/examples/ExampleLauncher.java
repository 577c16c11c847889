package dev.ferry.examples;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns an {@link Example} into a command: reads the broker address, runs the scenario under a
 * watchdog, prints the summary and exits 0 on success, 1 when a check failed or the client threw,
 * 2 for a wrong argument, 3 when the whole run overran its time limit.
 */
public final class ExampleLauncher {
    /** The time each scenario gets for its own waits; the watchdog allows a little more for connecting and cleanup. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WATCHDOG_SLACK = Duration.ofSeconds(15);

    private ExampleLauncher() {
    }

    public static void launch(Example example, String[] args) {
        System.exit(runAndReport(example, args));
    }

    /** As {@link #launch(Example, String[])}, for a scenario that also speaks Kafka: {@code [host [amqp-port [kafka-port]]]}. */
    public static void launch(StreamExample example, String[] args) {
        BrokerAddress address;
        String kafka;
        try {
            address = BrokerAddress.fromArgsOrEnvironment(args, System.getenv());
            kafka = address.host() + ":" + kafkaPort(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(example.name() + ": " + e.getMessage()
                    + " (usage: [host [amqp-port [kafka-port]]], or FERRY_HOST / FERRY_PORT / FERRY_KAFKA_PORT)");
            System.exit(2);
            return;
        }
        System.out.println(example.name() + ": running against " + address + " (AMQP) and " + kafka + " (Kafka)");
        System.exit(runWithWatchdog(example.name(), () -> example.run(address.connectionFactory(), kafka, DEFAULT_TIMEOUT)));
    }

    static int kafkaPort(String[] args, Map<String, String> environment) {
        String text = args.length > 2 ? args[2] : environment.get("FERRY_KAFKA_PORT");
        if (text == null || text.isBlank()) {
            return 9092;
        }
        try {
            int port = Integer.parseInt(text.trim());
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("Kafka port must be in 1..65535, was " + port);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Kafka port is not a number: '" + text + "'", e);
        }
    }

    static int runAndReport(Example example, String[] args) {
        BrokerAddress address;
        try {
            address = BrokerAddress.fromArgsOrEnvironment(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(example.name() + ": " + e.getMessage() + " (usage: [host [port]], or FERRY_HOST / FERRY_PORT)");
            return 2;
        }
        System.out.println(example.name() + ": running against " + address);
        return runWithWatchdog(example.name(), () -> example.run(address.connectionFactory(), DEFAULT_TIMEOUT));
    }

    private static int runWithWatchdog(String name, Callable<ExampleResult> scenario) {
        ExecutorService runner = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "example-" + name);
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<ExampleResult> outcome = runner.submit(scenario);
            ExampleResult result = outcome.get(DEFAULT_TIMEOUT.plus(WATCHDOG_SLACK).toMillis(), TimeUnit.MILLISECONDS);
            System.out.print(result.summary());
            return result.succeeded() ? 0 : 1;
        } catch (TimeoutException e) {
            System.err.println(name + ": FAILED, did not finish within " + DEFAULT_TIMEOUT.plus(WATCHDOG_SLACK).toSeconds() + " s");
            return 3;
        } catch (ExecutionException e) {
            System.err.println(name + ": FAILED, " + e.getCause());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println(name + ": interrupted");
            return 1;
        } finally {
            runner.shutdownNow();
        }
    }
}
