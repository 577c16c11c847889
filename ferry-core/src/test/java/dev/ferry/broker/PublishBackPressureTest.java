package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.MailboxLimits;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.RecordingSink;
import dev.ferry.queue.SystemQueueTimer;

/**
 * What {@link VirtualHost#publish} tells a publisher when a queue's owner falls behind: the queues'
 * owners here run only when the test runs their pending tasks, so publishes pile up in the mailbox
 * as they do behind a busy owner thread.
 */
class PublishBackPressureTest {
    private static final long PUBLISHER = 1;
    private static final long OTHER = 2;

    private final List<Runnable> pendingOwnerTasks = new ArrayList<>();
    private final VirtualHost vhost = new VirtualHost("/", () -> pendingOwnerTasks::add, SystemQueueTimer.INSTANCE,
            BrokerStorage.IN_MEMORY, new MailboxLimits(4, 1 << 20));

    private static Message message(String queue) {
        return new Message("", queue, MessageProperties.EMPTY, "m".getBytes(StandardCharsets.UTF_8));
    }

    private void runOwners() {
        while (!pendingOwnerTasks.isEmpty()) {
            pendingOwnerTasks.remove(0).run();
        }
    }

    private MessageQueue declare(String name) {
        vhost.declareQueue(new QueueDeclaration(name, false, false, false, Map.of(), PUBLISHER));
        runOwners();
        return vhost.queue(name).orElseThrow();
    }

    @Test
    void shouldReportAFullMailboxAsCongestionUntilTheOwnerCatchesUp() {
        MessageQueue queue = declare("nobody-consumes");
        for (int i = 0; i < 4; i++) {
            assertThat(vhost.publish(message("nobody-consumes"), false, PUBLISHER).congestion()).isNull();
        }
        PublishResult fifth = vhost.publish(message("nobody-consumes"), false, PUBLISHER);
        assertThat(fifth.congestion()).as("five publishes wait for an owner bounded at four").isNotNull();
        assertThat(fifth.congestion().toCompletableFuture()).isNotDone();
        assertThat(queue.waitingMessages()).isEqualTo(5);

        runOwners();
        assertThat(fifth.congestion().toCompletableFuture()).isDone();
        assertThat(queue.waitingMessages()).isZero();
        assertThat(queue.messageCount()).as("every publish was queued, none refused").isEqualTo(5);
        assertThat(vhost.publish(message("nobody-consumes"), false, PUBLISHER).congestion()).isNull();
    }

    @Test
    void shouldHoldBackEvenAPublisherThatConsumesFromTheQueueWhenItsMailboxIsFull() {
        MessageQueue queue = declare("own");
        RecordingSink sink = new RecordingSink();
        queue.consume(new ConsumerSpec(new ChannelRef(PUBLISHER, 1), "c", false, false, 1, null, 0, sink));
        runOwners();
        assertThat(queue.hasConsumerOn(PUBLISHER)).isTrue();

        CompletableFuture<Void> congestion = null;
        for (int i = 0; i < 5; i++) {
            PublishResult result = vhost.publish(message("own"), false, PUBLISHER);
            if (result.congestion() != null) {
                congestion = result.congestion().toCompletableFuture();
            }
        }
        // Unlike a queue whose consumers are behind, a full mailbox empties without any ack from
        // this connection, so holding its reads up cannot deadlock it.
        assertThat(congestion).isNotNull().isNotDone();
        runOwners();
        assertThat(congestion).isDone();
    }

    @Test
    void shouldReportTheFirstFullQueueAmongSeveralTargets() {
        declare("a");
        declare("b");
        vhost.bindQueue("a", "amq.fanout", "", Map.of(), PUBLISHER);
        vhost.bindQueue("b", "amq.fanout", "", Map.of(), PUBLISHER);
        runOwners();
        Message fanned = new Message("amq.fanout", "", MessageProperties.EMPTY, new byte[1]);
        PublishResult result = null;
        for (int i = 0; i < 5; i++) {
            result = vhost.publish(fanned, false, OTHER);
        }
        assertThat(result.queueCount()).isEqualTo(2);
        assertThat(result.congestion()).isNotNull();
        runOwners();
        assertThat(result.congestion().toCompletableFuture()).isDone();
    }
}
