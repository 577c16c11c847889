package dev.ferry.broker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What became of a published message.
 *
 * @param queueCount how many queues it was handed to; zero means unroutable, so an AMQP front sends
 *                   basic.return (312 NO_ROUTE) for a mandatory message
 * @param accepted   completes when every one of those queues has stored it; a publisher confirm
 *                   (basic.ack) is due then. Completes exceptionally with
 *                   {@link dev.ferry.queue.QueueRefusedException} when a queue refused it (a length
 *                   limit with x-overflow reject-publish): basic.nack is due. Already complete when
 *                   no confirm was asked for or no queue was reached. Completes on a queue owner
 *                   thread: hop to your own thread.
 * @param congestion null, or, when a queue it reached cannot keep up, a stage that completes when
 *                   that queue can take messages at full speed again; the publisher's connection
 *                   should stop reading until then. Either the queue's mailbox is past its bound
 *                   (its owner has not applied that much yet: {@link dev.ferry.queue.MessageQueue#enqueue})
 *                   or its consumers are behind ({@link dev.ferry.queue.MessageQueue#congestion()}).
 *                   Completes on a queue owner thread.
 */
public record PublishResult(int queueCount, CompletionStage<Void> accepted, CompletionStage<Void> congestion) {

    static final CompletionStage<Void> ALREADY_ACCEPTED = CompletableFuture.completedStage(null);

    public boolean routed() {
        return queueCount > 0;
    }
}
