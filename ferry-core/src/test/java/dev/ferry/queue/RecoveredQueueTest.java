package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.store.LogMessageStore;
import dev.ferry.store.PagingLimits;
import dev.ferry.store.StoreKind;

/**
 * A queue opened on a durable log that holds messages from before a restart: it drains once on its
 * own, so its counts are published and the alarm of what it brought back (TTLs, retry delays) is
 * armed before any command arrives, and what it returned keeps counting across the restart.
 */
class RecoveredQueueTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path directory;
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<MessageQueue> open = new ArrayList<>();
    private final List<String> deadLetters = new ArrayList<>();

    @AfterEach
    void close() {
        for (MessageQueue queue : open) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
    }

    private MessageQueue openQueue(Map<String, Object> arguments) {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024)
                .batchBytesMax(64 * 1024).segmentDeleteDelayMs(0);
        QueueArguments parsed = QueueArguments.parse(arguments, "queue 'q'");
        LogMessageStore store = parsed.deduplication()
                .map(window -> LogMessageStore.open(directory.resolve("q"), config, flusher,
                        FileHandleCache.processDefault(), Runnable::run, PagingLimits.DEFAULTS, "queue 'q'", 0, window))
                .orElseGet(() -> LogMessageStore.open(directory.resolve("q"), config, flusher, Runnable::run,
                        PagingLimits.DEFAULTS, "queue 'q'"));
        QueueSettings settings = new QueueSettings("/", "q", true, OptionalLong.empty(), false, parsed);
        MessageQueue queue = new MessageQueue(settings, store, Runnable::run, q -> { },
                new QueueServices(timer, (message, reason) -> deadLetters.add(body(message) + ":" + reason)));
        open.add(queue);
        return queue;
    }

    private void restart(MessageQueue queue) {
        queue.closeStore().join();
        open.remove(queue);
    }

    /** Stops {@code before} cleanly and opens its log again, as a restart of the broker does. */
    private MessageQueue reopen(MessageQueue before, Map<String, Object> arguments) {
        restart(before);
        return openQueue(arguments);
    }

    private static String body(Message message) {
        return new String(message.body(), StandardCharsets.UTF_8);
    }

    private static void publish(MessageQueue queue, String body, String expiration) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT.withExpiration(expiration),
                body.getBytes(StandardCharsets.UTF_8)), confirm);
        assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(5));
    }

    /** Gets the next message and nacks it with requeue. */
    private static void getAndReturn(MessageQueue queue) {
        Delivery delivery = queue.get(CHANNEL, false).join().delivery().orElseThrow();
        queue.settle(CHANNEL, delivery.deliveryId(), SettleOutcome.REQUEUE);
    }

    @Test
    void shouldExpireRecoveredMessagesWithoutWaitingForACommand() {
        MessageQueue before = openQueue(Map.of("x-dead-letter-exchange", "dlx"));
        publish(before, "short", "1000");
        publish(before, "long", "5000");
        MessageQueue recovered = reopen(before, Map.of("x-dead-letter-exchange", "dlx"));
        assertThat(recovered.messageCount()).as("published by the queue's first drain").isEqualTo(2);
        timer.advance(1000);

        assertThat(deadLetters).containsExactly("short:EXPIRED");
        assertThat(recovered.messageCount()).isEqualTo(1);
    }

    @Test
    void shouldLeaveExpiryToTheRestartOnceTheStoreIsClosed() {
        MessageQueue before = openQueue(Map.of("x-dead-letter-exchange", "dlx"));
        publish(before, "short", "1000");
        restart(before);

        timer.advance(1000);
        assertThat(deadLetters).as("the closed queue's alarm does nothing").isEmpty();
        assertThat(timer.pendingAlarms()).isZero();

        MessageQueue recovered = openQueue(Map.of("x-dead-letter-exchange", "dlx"));
        timer.advance(0);
        assertThat(deadLetters).as("expired once, by the queue that recovered it").containsExactly("short:EXPIRED");
        assertThat(recovered.messageCount()).isZero();
    }

    @Test
    void shouldBringBackARecoveredMessageWaitingOutItsRetryDelayWhenNothingElseIsQueued() {
        Map<String, Object> retryASecond = Map.of("x-retry-delays", List.of(1000));
        MessageQueue before = openQueue(retryASecond);
        publish(before, "a", null);
        getAndReturn(before);
        assertThat(before.messageCount()).as("a waits out its delay").isZero();
        MessageQueue recovered = reopen(before, retryASecond);
        assertThat(recovered.messageCount()).isZero();
        timer.advance(1000);

        assertThat(recovered.messageCount()).as("due, and back without any command").isEqualTo(1);
        Delivery a = recovered.get(CHANNEL, true).join().delivery().orElseThrow();
        assertThat(body(a.message())).isEqualTo("a");
        assertThat(a.redelivered()).isTrue();
    }

    @Test
    void shouldKeepCountingReturnsAcrossARestart() {
        MessageQueue before = openQueue(Map.of("x-delivery-limit", 2, "x-dead-letter-exchange", "dlx"));
        publish(before, "a", null);
        getAndReturn(before);
        getAndReturn(before);
        MessageQueue recovered = reopen(before, Map.of("x-delivery-limit", 2, "x-dead-letter-exchange", "dlx"));
        Delivery third = recovered.get(CHANNEL, false).join().delivery().orElseThrow();
        assertThat(third.deliveryCount()).isEqualTo(3);
        assertThat(third.message().properties().headers()).containsEntry("x-delivery-count", 2L);
        recovered.settle(CHANNEL, third.deliveryId(), SettleOutcome.REQUEUE);

        assertThat(deadLetters).as("a third return is past the limit of 2").containsExactly("a:DELIVERY_LIMIT");
        assertThat(recovered.messageCount()).isZero();
    }

    @Test
    void shouldKeepAMessageWaitingOutItsRetryDelayWaitingAcrossARestart() {
        Map<String, Object> retryAMinute = Map.of("x-retry-delays", List.of(60_000));
        MessageQueue before = openQueue(retryAMinute);
        publish(before, "a", null);
        publish(before, "b", null);
        getAndReturn(before);
        timer.advance(30_000);
        MessageQueue recovered = reopen(before, retryAMinute);
        assertThat(recovered.messageCount()).as("a still waits").isEqualTo(1);
        timer.advance(29_999);
        assertThat(recovered.messageCount()).isEqualTo(1);
        timer.advance(1);
        assertThat(recovered.messageCount()).isEqualTo(2);
    }

    @Test
    void shouldKeepTheDeduplicationWindowAcrossARestart() {
        Map<String, Object> deduplicating = Map.of("x-message-deduplication", true);
        MessageQueue before = openQueue(deduplicating);
        publishWithId(before, "first", "order-1");
        MessageQueue recovered = reopen(before, deduplicating);
        publishWithId(recovered, "resent", "order-1");
        publishWithId(recovered, "new", "order-2");

        assertThat(recovered.messageCount()).isEqualTo(2);
        assertThat(body(recovered.get(CHANNEL, true).join().delivery().orElseThrow().message())).isEqualTo("first");
        assertThat(body(recovered.get(CHANNEL, true).join().delivery().orElseThrow().message())).isEqualTo("new");
    }

    private static void publishWithId(MessageQueue queue, String body, String id) {
        PublishConfirm confirm = new PublishConfirm(1);
        queue.enqueue(new Message("", "q", StoreKind.PERSISTENT.withHeaders(Map.of("x-deduplication-header", id)),
                body.getBytes(StandardCharsets.UTF_8)), confirm);
        assertThat(confirm.accepted()).succeedsWithin(Duration.ofSeconds(5));
    }
}
