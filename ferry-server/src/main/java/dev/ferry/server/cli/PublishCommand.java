package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry publish}: one message (text, a file, or standard input), or {@code --count N}
 * generated ones at up to {@code --rate} per second, through the management API's publish, which
 * answers once the message is stored (a publisher confirm). A message no queue took is counted
 * and makes the exit code 65.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publishes a message, a file, or N generated messages",
        footer = {"", "Examples:", "  ferry publish orders 'hello'                    (default exchange: to queue orders)",
                "  ferry publish -e events -k order.created --file order.json",
                "  ferry publish orders --count 10000 --rate 500 --size 256"})
final class PublishCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ROUTING_KEY", arity = "0..1",
            description = "Routing key: the queue's name on the default exchange")
    String routingKeyParameter;

    @Parameters(index = "1", paramLabel = "BODY", arity = "0..1", description = "The message body (text)")
    String body;

    @Option(names = {"-e", "--exchange"}, paramLabel = "EXCHANGE", defaultValue = "",
            description = "Exchange to publish to. Default: the default exchange")
    String exchange;

    @Option(names = {"-k", "--routing-key"}, paramLabel = "KEY", description = "Routing key (instead of the first parameter)")
    String routingKey;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Publish this file's bytes as the body")
    Path file;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "1",
            description = "Publish N messages (the body, or generated ones). Default: ${DEFAULT-VALUE}")
    long count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "0",
            description = "Body size of generated messages (with --count and no body). Default: a short text")
    int size;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "0",
            description = "At most this many messages a second; 0: as fast as the broker answers. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8",
            description = "Requests in flight at once with --count (each waits for its confirm); 1 keeps the "
                    + "messages in order. Default: ${DEFAULT-VALUE}")
    int parallel;

    @Option(names = "--persistent", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "delivery_mode 2 (kept across a restart in a durable queue). Default: ${DEFAULT-VALUE}")
    boolean persistent;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "A message header (repeatable)")
    List<String> headers;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "The content_type property")
    String contentType;

    @Override
    public Integer call() throws CtlException, InterruptedException {
        String key = routingKey != null ? routingKey : routingKeyParameter;
        if (key == null) {
            throw new CtlException(ExitCodes.USAGE, "give a routing key (the queue's name) or --routing-key");
        }
        if (count < 1 || parallel < 1) {
            throw new CtlException(ExitCodes.USAGE, "--count and --parallel must be at least 1");
        }
        if (body != null && file != null) {
            throw new CtlException(ExitCodes.USAGE, "give a body or --file, not both");
        }
        byte[] fixed = fixedBody();
        ObjectNode properties = client.object().put("delivery_mode", persistent ? 2 : 1);
        if (contentType != null) {
            properties.put("content_type", contentType);
        }
        ObjectNode headerTable = KeyValues.parse(headers, "--header");
        if (!headerTable.isEmpty()) {
            properties.set("headers", headerTable);
        }
        String path = "exchanges/" + client.vhostPath() + "/"
                + ManagementClient.segment(exchange.isEmpty() ? "amq.default" : exchange) + "/publish";
        String exchangeName = exchange.isEmpty() ? "amq.default" : exchange;
        long intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
        long startNanos = System.nanoTime();
        AtomicLong nextIndex = new AtomicLong();
        AtomicLong published = new AtomicLong();
        AtomicLong unroutableCount = new AtomicLong();
        int threads = (int) Math.min(parallel, count);
        ExecutorService senders = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "ferry-publish");
            thread.setDaemon(true);
            return thread;
        });
        List<Future<Void>> results = new ArrayList<>();
        try (ProgressBar progress = count > 1 ? client.progress("publish", count) : null) {
            for (int t = 0; t < threads; t++) {
                results.add(senders.submit(() -> {
                    for (long i = nextIndex.getAndIncrement(); i < count; i = nextIndex.getAndIncrement()) {
                        if (intervalNanos > 0) {
                            // Message i leaves no earlier than i intervals after the start: --rate over all senders.
                            long wait = startNanos + i * intervalNanos - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                        }
                        ObjectNode message = client.object().put("routing_key", key);
                        message.set("properties", properties);
                        message.put("payload", Base64.getEncoder().encodeToString(fixed != null ? fixed : generated(i)))
                                .put("payload_encoding", "base64");
                        ManagementClient.Answer answer = client.client().post(path, message);
                        if (answer.status() == 404) {
                            throw new CtlException(ExitCodes.DATA_ERROR, "exchange '" + exchangeName
                                    + "' does not exist in virtual host '" + client.vhost + "'");
                        }
                        if (!answer.orFail().json().path("routed").asBoolean()) {
                            unroutableCount.incrementAndGet();
                        }
                        published.incrementAndGet();
                    }
                    return null;
                }));
            }
            senders.shutdown();
            while (!senders.awaitTermination(100, TimeUnit.MILLISECONDS)) {
                if (progress != null) {
                    progress.update(published.get());
                }
                if (results.stream().anyMatch(result -> result.isDone())) {
                    failIfAnyFailed(results, nextIndex, count);
                }
            }
            failIfAnyFailed(results, nextIndex, count);
            if (progress != null) {
                progress.update(published.get());
            }
        } finally {
            senders.shutdownNow();
        }
        long unroutable = unroutableCount.get();
        if (client.json()) {
            client.out().println(client.object().put("published", count).put("routed", count - unroutable));
        }
        if (unroutable > 0) {
            throw new CtlException(ExitCodes.DATA_ERROR, unroutable + " of " + count + " message"
                    + (count == 1 ? "" : "s") + " reached no queue (nothing bound for routing key '" + key + "')");
        }
        if (!client.json()) {
            client.err().println("published " + count + " message" + (count == 1 ? "" : "s"));
        }
        return ExitCodes.OK;
    }

    /** The first sender's failure, if one failed; the others are stopped by taking away what is left. */
    private static void failIfAnyFailed(List<Future<Void>> results, AtomicLong nextIndex, long count)
            throws CtlException, InterruptedException {
        for (Future<Void> result : results) {
            if (!result.isDone()) {
                continue;
            }
            try {
                result.get();
            } catch (ExecutionException e) {
                nextIndex.set(count);
                if (e.getCause() instanceof CtlException refused) {
                    throw refused;
                }
                throw new CtlException(ExitCodes.SOFTWARE, String.valueOf(e.getCause()));
            }
        }
    }

    /** The body every message has, or null when each is generated. */
    private byte[] fixedBody() throws CtlException {
        if (body != null) {
            return body.getBytes(StandardCharsets.UTF_8);
        }
        if (file != null) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new CtlException(ExitCodes.DATA_ERROR, "cannot read " + file + ": " + e.getMessage());
            }
        }
        if (count > 1) {
            return null;
        }
        try {
            return client.in().readAllBytes();
        } catch (IOException e) {
            throw new CtlException(ExitCodes.DATA_ERROR, "cannot read standard input: " + e.getMessage());
        }
    }

    private byte[] generated(long index) {
        String text = "message " + (index + 1);
        if (size <= text.length()) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        return (text + " " + "x".repeat(size - text.length() - 1)).getBytes(StandardCharsets.UTF_8);
    }
}
