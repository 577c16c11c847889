package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.store.LogMessageStore;
import dev.ferry.store.PagingLimits;

/**
 * Congestion (publishers held back while the consumers of a backed-up queue take messages) ends
 * when the consumers stop counting as active, a second after the last delivery, by the queue's own
 * alarm: nothing else may happen on the queue, since the held publishers' connection may be the
 * one that would ack. On a spill log backed up at three quarters of 8 messages.
 */
class QueueCongestionTest {
    private static final ChannelRef CHANNEL = new ChannelRef(1, 1);
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path directory;
    private final ManualQueueTimer timer = new ManualQueueTimer(START);
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private MessageQueue queue;

    @AfterEach
    void close() {
        if (queue != null) {
            queue.closeStore().handle((ok, error) -> null).join();
        }
        flusher.close();
    }

    private MessageQueue openQueue() {
        LogConfig config = new LogConfig().fsyncPolicy(FsyncPolicy.NEVER).segmentBytesMax(64 * 1024)
                .batchBytesMax(64 * 1024).segmentDeleteDelayMs(0);
        LogMessageStore store = LogMessageStore.openTransient(directory.resolve("q"), config, flusher,
                new PagingLimits(8, 1024 * 1024), "queue 'q'");
        QueueSettings settings = new QueueSettings("/", "q", false, OptionalLong.empty(), false,
                QueueArguments.parse(Map.of(), "queue 'q'"));
        queue = new MessageQueue(settings, store, Runnable::run, q -> { }, new QueueServices(timer, (m, r) -> { }));
        return queue;
    }

    private void publish(int count) {
        for (int i = 0; i < count; i++) {
            queue.enqueue(new Message("", "q", MessageProperties.EMPTY, ("m" + i).getBytes(StandardCharsets.UTF_8)),
                    null);
        }
    }

    /** A consumer with prefetch 1 takes one message, then seven wait: congested. */
    private RecordingSink congest() {
        openQueue();
        RecordingSink slow = new RecordingSink();
        queue.consume(new ConsumerSpec(CHANNEL, "slow", false, false, 1, null, 0, slow)).join();
        publish(8);
        assertThat(slow.deliveries).hasSize(1);
        assertThat(queue.congestion()).as("7 of 8 waiting while the consumer takes messages").isNotNull();
        return slow;
    }

    @Test
    void shouldEndCongestionOnItsOwnASecondAfterTheLastDelivery() {
        congest();
        CompletableFuture<Void> congestion = queue.congestion();

        timer.advance(999);
        assertThat(congestion).as("the consumer took a message 999 ms ago").isNotDone();
        timer.advance(1);

        assertThat(congestion).as("released by the queue's alarm, with no command in between").isDone();
        assertThat(queue.congestion()).isNull();
        assertThat(timer.pendingAlarms()).as("nothing left to wake for").isZero();
    }

    @Test
    void shouldCountTheConsumerActiveFromItsLatestDelivery() {
        RecordingSink slow = congest();
        CompletableFuture<Void> congestion = queue.congestion();

        timer.advance(600);
        queue.settle(CHANNEL, slow.last().deliveryId(), SettleOutcome.ACK); // the next one goes out at +600
        assertThat(slow.deliveries).hasSize(2);
        assertThat(queue.congestion()).as("6 of 8 waiting, above half").isSameAs(congestion);

        timer.advance(999);
        assertThat(congestion).as("999 ms after the second delivery").isNotDone();
        timer.advance(1);
        assertThat(congestion).isDone();
    }

    @Test
    void shouldEndCongestionWhenTheLastConsumerCancels() {
        congest();
        CompletableFuture<Void> congestion = queue.congestion();

        queue.cancel(CHANNEL, "slow").join();

        assertThat(congestion).as("nobody consumes: the backlog pages and publishers carry on").isDone();
        assertThat(queue.congestion()).isNull();
    }
}
