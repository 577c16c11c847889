package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.store.LogMessageStore;
import dev.ferry.store.PagingLimits;
import dev.ferry.store.StoreKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A queue gives back its reference to a large (off-heap) body on every way a message leaves it,
 * not only when a consumer acknowledges it: dropped for a length limit, refused, expired, rejected,
 * dead-lettered, a duplicate. A body nobody releases keeps its off-heap memory counted until a
 * collection that a quiet heap may not run, and once the off-heap budget is spent the next large
 * bodies go on the heap, where the collector pays for them.
 */
class QueueBodyReferencesTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);

    @TempDir
    Path directory;
    private final ManualQueueTimer timer = new ManualQueueTimer(1_700_000_000_000L);
    /** What the dead-letter router was handed; it keeps a reference of its own, as a target queue does. */
    private final List<Message> deadLetters = new ArrayList<>();
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    /** The answer the targets of an at-least-once dead letter give. */
    private CompletableFuture<Void> handOver = CompletableFuture.completedFuture(null);
    private MessageStore store;
    private MessageQueue queue;

    @AfterEach
    void closeStores() {
        deadLetters.forEach(message -> message.messageBody().release());
        if (store != null) {
            store.close();
        }
        flusher.close();
    }

    /** A store of {@code kind} whose records take a large body (StoreFixture's take 64 KiB at most). */
    private MessageStore newStore(StoreKind kind) {
        LogConfig config = new LogConfig().segmentBytesMax(8 * 1024 * 1024).batchBytesMax(4 * 1024 * 1024)
                .segmentDeleteDelayMs(0);
        return switch (kind) {
            case IN_MEMORY -> new InMemoryMessageStore(0);
            case DURABLE_LOG -> LogMessageStore.open(directory.resolve("durable"), config.fsyncPolicy(FsyncPolicy.ALWAYS),
                    flusher, Runnable::run, PagingLimits.DEFAULTS, "queue 'q'");
            // Pages every message but the first: the bodies that leave are copies read back from the log.
            case SPILL_LOG -> LogMessageStore.openTransient(directory.resolve("spill"), config.fsyncPolicy(FsyncPolicy.NEVER),
                    flusher, new PagingLimits(2, 1), "queue 'q'");
        };
    }

    private MessageQueue newQueue(StoreKind kind, Map<String, Object> arguments) {
        store = newStore(kind);
        QueueSettings settings = new QueueSettings("/", "q", kind.durable(), OptionalLong.empty(), false,
                QueueArguments.parse(arguments, "queue 'q' in vhost '/'"));
        DeadLetterRouter router = new DeadLetterRouter() {
            @Override
            public void route(Message deadLettered, DeathReason reason) {
                deadLettered.messageBody().retain();
                deadLetters.add(deadLettered);
            }

            @Override
            public CompletableFuture<Void> routeConfirmed(Message deadLettered, DeathReason reason) {
                route(deadLettered, reason);
                return handOver;
            }
        };
        queue = new MessageQueue(settings, store, Runnable::run, ignored -> { },
                new QueueServices(timer, router));
        return queue;
    }

    /** Publishes a large body and gives the publisher's reference back: the queue's is the only one left. */
    private MessageBody publish(String expiration) {
        MessageBody body = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
        assertThat(body.isDirect()).as("off the heap, so references count").isTrue();
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT.withExpiration(expiration), body), null);
        body.release();
        return body;
    }

    private static Map<String, Object> arguments(Object... pairs) {
        Map<String, Object> arguments = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            arguments.put((String) pairs[i], pairs[i + 1]);
        }
        return arguments;
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void theHeadDroppedForALengthLimitIsGivenBack(StoreKind kind) {
        newQueue(kind, arguments("x-max-length", 1));
        MessageBody dropped = publish(null);
        MessageBody kept = publish(null);

        assertThat(queue.messageCount()).isEqualTo(1);
        assertThat(dropped.references()).isZero();
        Delivery delivery = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        assertThat(delivery.message().messageBody().buffer().remaining()).as("the one kept is still readable")
                .isEqualTo(kept.size());
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aPublishRefusedByAFullQueueIsGivenBack(StoreKind kind) {
        newQueue(kind, arguments("x-max-length", 1, "x-overflow", "reject-publish"));
        publish(null);
        MessageBody refused = publish(null);

        assertThat(queue.messageCount()).isEqualTo(1);
        assertThat(refused.references()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aMessageThatExpiresOnArrivalIsGivenBack(StoreKind kind) {
        newQueue(kind, arguments("x-message-ttl", 0));
        MessageBody expired = publish(null);

        assertThat(queue.messageCount()).isZero();
        assertThat(expired.references()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aRejectedMessageWithoutDeadLetterExchangeIsGivenBack(StoreKind kind) {
        newQueue(kind, Map.of());
        MessageBody rejected = publish(null);
        Delivery delivery = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        delivery.message().messageBody().release(); // the front's, once its frames are written

        queue.settle(CHANNEL, delivery.deliveryId(), SettleOutcome.DISCARD);
        assertThat(queue.messageCount()).isZero();
        assertThat(delivery.message().messageBody().references()).isZero();
        assertThat(rejected.references()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aMessageThatExpiresWhileQueuedIsGivenBack(StoreKind kind) {
        newQueue(kind, arguments("x-message-ttl", 1000));
        // On the spill log the second is paged out as it arrives: its record is its only copy then.
        List<MessageBody> expired = List.of(publish(null), publish(null));
        timer.advance(1000);

        assertThat(queue.messageCount()).isZero();
        assertThat(expired).allSatisfy(body -> assertThat(body.references()).isZero());
    }

    /** The router keeps one reference, as a target queue would; the dying queue's own goes back. */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aDeadLetterKeepsOnlyItsTargetsReferences(StoreKind kind) {
        newQueue(kind, arguments("x-dead-letter-exchange", "dlx", "x-message-ttl", 1000));
        publish(null);
        publish(null);
        timer.advance(1000);

        assertThat(deadLetters).hasSize(2);
        assertThat(deadLetters).allSatisfy(dead -> {
            assertThat(dead.messageBody().references()).as("the target's only").isEqualTo(1);
            assertThat(dead.messageBody().buffer().remaining()).isEqualTo(MessageBody.DIRECT_FROM_BYTES);
        });
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void anAtLeastOnceDeadLetterIsGivenBackOnceItsTargetsHaveIt(StoreKind kind) {
        newQueue(kind, arguments("x-queue-type", "quorum", "x-dead-letter-exchange", "dlx", "x-dead-letter-strategy", "at-least-once",
                "x-overflow", "reject-publish"));
        publish(null);
        Delivery delivery = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        delivery.message().messageBody().release();

        queue.settle(CHANNEL, delivery.deliveryId(), SettleOutcome.DISCARD);
        assertThat(deadLetters).singleElement()
                .satisfies(dead -> assertThat(dead.messageBody().references()).isEqualTo(1));
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aDuplicateIsGivenBack(StoreKind kind) {
        newQueue(kind, arguments("x-message-deduplication", true));
        MessageProperties withId = StoreKind.PERSISTENT.withHeaders(Map.of("x-deduplication-header", "order-1"));
        queue.enqueue(new Message("", "q", withId, MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES)), null);
        MessageBody duplicate = MessageBody.allocate(MessageBody.DIRECT_FROM_BYTES);
        queue.enqueue(new Message("", "q", withId, duplicate), null);
        duplicate.release();

        assertThat(queue.messageCount()).isEqualTo(1);
        assertThat(duplicate.references()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void purgedMessagesAreGivenBack(StoreKind kind) {
        newQueue(kind, Map.of());
        List<MessageBody> purged = List.of(publish(null), publish(null), publish(null));
        Delivery returned = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        returned.message().messageBody().release();
        queue.settle(CHANNEL, returned.deliveryId(), SettleOutcome.REQUEUE);

        assertThat(queue.purge().join()).isEqualTo(3);
        assertThat(purged).allSatisfy(body -> assertThat(body.references()).isZero());
        assertThat(returned.message().messageBody().references()).as("the one requeued first").isZero();
    }

    /** Deleted with a message waiting out a retry delay, one unacknowledged and one ready. */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aDeletedQueueGivesBackEveryMessageItHeld(StoreKind kind) {
        newQueue(kind, arguments("x-retry-delays", List.of(10_000)));
        publish(null);
        publish(null);
        MessageBody ready = publish(null);
        Delivery retried = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        retried.message().messageBody().release();
        queue.settle(CHANNEL, retried.deliveryId(), SettleOutcome.REQUEUE);
        Delivery unacked = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        unacked.message().messageBody().release();

        assertThat(queue.delete(false, false).join()).isEqualTo(1);
        assertThat(retried.message().messageBody().references()).as("waiting out its retry delay").isZero();
        assertThat(unacked.message().messageBody().references()).as("unacknowledged").isZero();
        assertThat(ready.references()).as("ready").isZero();
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aDeletedQueueGivesBackADeadLetterItsTargetsHaveNotStoredYet(StoreKind kind) {
        handOver = new CompletableFuture<>();
        newQueue(kind, arguments("x-queue-type", "quorum", "x-dead-letter-exchange", "dlx", "x-dead-letter-strategy",
                "at-least-once", "x-overflow", "reject-publish"));
        publish(null);
        Delivery delivery = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        delivery.message().messageBody().release();
        queue.settle(CHANNEL, delivery.deliveryId(), SettleOutcome.DISCARD);
        MessageBody pending = deadLetters.get(0).messageBody();
        assertThat(pending.references()).as("the queue's and the target's").isEqualTo(2);

        queue.delete(false, false).join();
        assertThat(pending.references()).as("the target's only").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aPublishToADeletedQueueIsGivenBack(StoreKind kind) {
        newQueue(kind, Map.of());
        queue.delete(false, false).join();
        MessageBody late = publish(null);

        assertThat(late.references()).isZero();
    }
}
