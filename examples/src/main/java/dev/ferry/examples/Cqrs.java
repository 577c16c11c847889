package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Command/query responsibility segregation on one broker, both protocols. The write side takes
 * commands over AMQP RPC (direct reply-to): it checks each against its own state (an account must
 * exist, a withdrawal must be covered), and for each one it accepts publishes an event, with a
 * publisher confirm, through an exchange into a stream queue, the routing key being the account;
 * only then does it answer "accepted". The read side is a Kafka consumer group reading that same
 * stream (the stream is a topic, the routing key its record key) into balances per account. Being
 * derived, the read model can be thrown away and rebuilt by replaying the stream from the start.
 * Checked: rejected commands leave no event; the read model agrees with the write side; the group
 * committed the end of the stream; a read model rebuilt by a new group equals the first.
 */
public final class Cqrs implements StreamExample {
    /** Commands in order, with what the write side must answer. */
    private static final List<String[]> COMMANDS = List.of(
            new String[] {"open alice", "accepted"},
            new String[] {"open bob", "accepted"},
            new String[] {"deposit alice 100", "accepted"},
            new String[] {"deposit bob 40", "accepted"},
            new String[] {"withdraw alice 30", "accepted"},
            new String[] {"withdraw bob 50", "rejected: insufficient funds"},
            new String[] {"open alice", "rejected: account exists"},
            new String[] {"deposit carol 5", "rejected: no such account"});
    private static final Map<String, Long> EXPECTED = Map.of("alice", 70L, "bob", 40L);
    private static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

    public static void main(String[] args) {
        ExampleLauncher.launch(new Cqrs(), args);
    }

    @Override
    public String name() {
        return "cqrs";
    }

    @Override
    public ExampleResult run(ConnectionFactory amqp, String kafkaBootstrap, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        String commands = Names.unique("cqrs-commands");
        String events = Names.unique("cqrs-events");
        String eventExchange = Names.unique("cqrs-events-in");
        String firstGroup = Names.unique("cqrs-read-model");
        String rebuiltGroup = Names.unique("cqrs-read-model-rebuilt");
        try (Connection writeSide = amqp.newConnection("cqrs-write-side");
                Connection client = amqp.newConnection("cqrs-client")) {
            Channel setup = writeSide.createChannel();
            setup.queueDeclare(events, true, false, false, Map.of("x-queue-type", "stream"));
            setup.exchangeDeclare(eventExchange, "direct", true);
            for (String account : List.of("alice", "bob", "carol")) {
                setup.queueBind(events, eventExchange, account);
            }
            setup.queueDeclare(commands, false, false, false, null);
            Map<String, Long> writeModel = startWriteSide(writeSide, commands, eventExchange);

            Channel rpc = client.createChannel();
            Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
            rpc.basicConsume(DIRECT_REPLY_TO, true, (tag, delivery) -> {
                CompletableFuture<String> waiting = pending.remove(delivery.getProperties().getCorrelationId());
                if (waiting != null) {
                    waiting.complete(new String(delivery.getBody(), StandardCharsets.UTF_8));
                }
            }, tag -> { });
            int accepted = 0;
            for (String[] command : COMMANDS) {
                String correlationId = UUID.randomUUID().toString();
                CompletableFuture<String> answer = new CompletableFuture<>();
                pending.put(correlationId, answer);
                rpc.basicPublish("", commands, new AMQP.BasicProperties.Builder().correlationId(correlationId)
                        .replyTo(DIRECT_REPLY_TO).build(), command[0].getBytes(StandardCharsets.UTF_8));
                String reply = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                result.checkEquals(command[1], reply, "'" + command[0] + "' is " + command[1]);
                accepted += reply.equals("accepted") ? 1 : 0;
            }

            Map<String, Long> readModel = new TreeMap<>();
            long end;
            try (KafkaConsumer<String, String> group = new KafkaConsumer<>(groupProperties(kafkaBootstrap, firstGroup))) {
                end = project(group, events, accepted, readModel, timeout);
                group.commitSync(Map.of(new TopicPartition(events, 0), new OffsetAndMetadata(end)), timeout);
            }
            result.checkEquals(accepted, (int) end, "the stream holds one event per accepted command and none for the "
                    + (COMMANDS.size() - accepted) + " rejected ones");
            result.checkEquals(new TreeMap<>(EXPECTED), readModel, "the read model's balances");
            result.checkEquals(new TreeMap<>(writeModel), readModel, "the read model agrees with the write side");
            try (Admin admin = Admin.create(EventSourcing.adminProperties(kafkaBootstrap, timeout))) {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(firstGroup).partitionsToOffsetAndMetadata()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(new TopicPartition(events, 0));
                result.checkEquals(end, committed == null ? -1L : committed.offset(),
                        "the read model's group committed the end of the stream");
            }

            Map<String, Long> rebuilt = new TreeMap<>();
            try (KafkaConsumer<String, String> group = new KafkaConsumer<>(groupProperties(kafkaBootstrap, rebuiltGroup))) {
                project(group, events, accepted, rebuilt, timeout);
            }
            result.checkEquals(readModel, rebuilt, "a read model rebuilt by a new group from offset 0 equals the first");
        } finally {
            try (Admin admin = Admin.create(EventSourcing.adminProperties(kafkaBootstrap, timeout))) {
                admin.deleteConsumerGroups(List.of(firstGroup, rebuiltGroup)).all()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                System.err.println("cleanup: could not delete the groups: " + e);
            }
            Cleanup.delete(amqp, List.of(commands, events), List.of(eventExchange));
        }
        return result.build();
    }

    /**
     * The write side: one consumer that answers each command after the event it caused is
     * confirmed. Its state is only what it needs to decide; nobody queries it.
     */
    private static Map<String, Long> startWriteSide(Connection connection, String commands, String eventExchange)
            throws IOException {
        Map<String, Long> balances = new ConcurrentHashMap<>();
        Channel handler = connection.createChannel();
        Channel eventsOut = connection.createChannel();
        eventsOut.confirmSelect();
        handler.basicQos(1);
        handler.basicConsume(commands, false, (tag, delivery) -> {
            String[] words = new String(delivery.getBody(), StandardCharsets.UTF_8).split(" ");
            String account = words[1];
            Long balance = balances.get(account);
            long amount = words.length > 2 ? Long.parseLong(words[2]) : 0;
            String verdict;
            if (words[0].equals("open")) {
                verdict = balance != null ? "rejected: account exists" : "accepted";
            } else if (balance == null) {
                verdict = "rejected: no such account";
            } else if (words[0].equals("withdraw") && amount > balance) {
                verdict = "rejected: insufficient funds";
            } else {
                verdict = "accepted";
            }
            if (verdict.equals("accepted")) {
                String event = switch (words[0]) {
                    case "open" -> "AccountCreated";
                    case "deposit" -> "MoneyDeposited " + amount;
                    default -> "MoneyWithdrawn " + amount;
                };
                eventsOut.basicPublish(eventExchange, account, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                        event.getBytes(StandardCharsets.UTF_8));
                try {
                    eventsOut.waitForConfirmsOrDie(10_000);
                } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                    throw new IOException("event for '" + String.join(" ", words) + "' not confirmed", e);
                }
                balances.put(account, EventSourcing.apply(balance == null ? 0 : balance, event));
            }
            handler.basicPublish("", delivery.getProperties().getReplyTo(),
                    new AMQP.BasicProperties.Builder().correlationId(delivery.getProperties().getCorrelationId()).build(),
                    verdict.getBytes(StandardCharsets.UTF_8));
            handler.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
        }, tag -> { });
        return balances;
    }

    /** Applies every event of the stream to {@code model} until {@code count} are read; returns the next offset. */
    private static long project(KafkaConsumer<String, String> group, String stream, int count, Map<String, Long> model,
            Duration timeout) {
        group.subscribe(List.of(stream));
        long deadline = System.nanoTime() + timeout.toNanos();
        int read = 0;
        long next = 0;
        while (read < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the read model saw " + read + " of " + count + " events in " + timeout);
            }
            for (ConsumerRecord<String, String> event : group.poll(Duration.ofMillis(200))) {
                model.put(event.key(), EventSourcing.apply(model.getOrDefault(event.key(), 0L), event.value()));
                next = event.offset() + 1;
                read++;
            }
        }
        return next;
    }

    private static Properties groupProperties(String bootstrap, String group) {
        Properties properties = EventSourcing.consumerProperties(bootstrap);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return properties;
    }
}
