package dev.ferry.amqp.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.broker.Broker;
import dev.ferry.broker.BrokerStorage;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.broker.QueueStore;
import dev.ferry.queue.InMemoryMessageStore;
import dev.ferry.queue.QueueExecutorPool;
import dev.ferry.queue.QueueSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exchange and queue methods answer when the core says a change is durable, and a change the
 * core could not store closes the connection with 541, with RabbitMQ's Java client on a real
 * socket. The storage here hands every record's future to the test, as the metadata writer
 * completes them after its fsync; it is the AMQP side that is under test.
 */
class TopologyAnswersTest {
    /** Holds the futures of the metadata records until the test completes or fails them. */
    private static final class HeldStorage implements BrokerStorage {
        final ConcurrentLinkedQueue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
        volatile boolean failing;

        @Override
        public CompletableFuture<Void> record(MetadataRecord change) {
            CompletableFuture<Void> future = new CompletableFuture<>();
            if (failing) {
                future.completeExceptionally(new IllegalStateException("the metadata log refuses writes"));
            } else {
                pending.add(future);
            }
            return future;
        }

        @Override
        public QueueStore openQueueStore(QueueSettings settings, boolean recover, Executor owner,
                                         CompletableFuture<Void> declarationDurable) {
            return QueueStore.ready(new InMemoryMessageStore(), owner);
        }

        void completeAll() {
            CompletableFuture<Void> future;
            while ((future = pending.poll()) != null) {
                future.complete(null);
            }
        }
    }

    private final HeldStorage storage = new HeldStorage();
    private QueueExecutorPool pool;
    private Broker broker;
    private AmqpServer server;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        pool = new QueueExecutorPool(1);
        broker = Broker.withQueueOwners(pool::assign, storage);
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1)
                .channelHandlerFactory(new BrokerChannelHandlerFactory(broker)));
        port = server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
        broker.close();
        pool.close();
    }

    private Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }

    @Test
    void shouldAnswerAPipelinedDeclareAndBindOnlyOnceTheyAreDurable() throws Exception {
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclareNoWait("events", "topic", true, false, false, null);
            channel.queueDeclareNoWait("orders", true, false, false, null);
            CompletableFuture<AMQP.Queue.BindOk> bound = channel.asyncCompletableRpc(
                    new AMQP.Queue.Bind.Builder().queue("orders").exchange("events").routingKey("#").build())
                    .thenApply(command -> (AMQP.Queue.BindOk) command.getMethod());

            // The bind found the queue and exchange declared just before it, but is not answered yet.
            await().atMost(Duration.ofSeconds(5)).until(() -> storage.pending.size() == 3);
            assertThat(bound).isNotDone();

            storage.completeAll();
            assertThat(bound.get(5, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void shouldCloseTheConnectionWith541WhenAChangeCannotBeStoredAndCarryOn() throws Exception {
        storage.failing = true;
        Connection connection = connect();
        try {
            Channel channel = connection.createChannel();
            assertThatThrownBy(() -> channel.queueDeclare("orders", true, false, false, null))
                    .hasCauseInstanceOf(ShutdownSignalException.class)
                    .cause().satisfies(cause -> {
                        ShutdownSignalException signal = (ShutdownSignalException) cause;
                        assertThat(signal.isHardError()).as("the connection, not the channel").isTrue();
                        assertThat(((AMQP.Connection.Close) signal.getReason()).getReplyCode()).isEqualTo(541);
                        assertThat(((AMQP.Connection.Close) signal.getReason()).getReplyText())
                                .isEqualTo("INTERNAL_ERROR - storing the declaration of queue 'orders' in vhost '/' failed");
                    });
        } finally {
            connection.abort();
        }
        assertThat(broker.defaultVirtualHost().queue("orders")).as("taken back").isEmpty();

        // Other connections, and what needs no storage, carry on.
        try (Connection other = connect()) {
            Channel channel = other.createChannel();
            String queue = channel.queueDeclare().getQueue();
            channel.basicPublish("", queue, null, new byte[] {1});
            assertThat(channel.basicGet(queue, true)).isNotNull();
        }
    }
}
