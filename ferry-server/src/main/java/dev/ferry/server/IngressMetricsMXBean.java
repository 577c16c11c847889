package dev.ferry.server;

/**
 * What the ingress limits are doing, as JMX attributes ({@code dev.ferry:type=Ingress}): how much
 * published work waits for queue threads, and how much of the content budget is reserved. For
 * operators (jconsole, {@code jcmd}-started agents) and for end-to-end tests that must observe a
 * bound from outside the broker process.
 */
public interface IngressMetricsMXBean {
    /** The most publishes found waiting for one queue's thread, over the queues that exist now. */
    int getQueueMailboxPeakMessages();

    /** The most body bytes found waiting for one queue's thread, over the queues that exist now. */
    long getQueueMailboxPeakBytes();

    /** Publishes waiting for queue threads now, all queues together. */
    long getQueueMailboxWaitingMessages();

    /**
     * The most publishes seen waiting for queue threads at once, all queues together, since start
     * (each copy of a message routed to several queues counted once per queue).
     */
    long getQueueMailboxTotalPeakMessages();

    /** The bound on {@link #getQueueMailboxWaitingMessages()} past which publishers are held back. */
    long getQueueMailboxTotalBound();

    /**
     * What the queues' ready messages in memory take, all queues together, as they reported at the
     * end of their last drains (body bytes and an estimate per message).
     */
    long getReadyMemoryBytes();

    /** The budget for {@link #getReadyMemoryBytes()} past which queues holding some page new messages to disk. */
    long getReadyMemoryBudgetBytes();

    long getContentBudgetBytes();

    long getContentReservedBytes();

    long getContentReservedPeakBytes();

    /** Connections waiting for content budget now. */
    int getContentWaitingConnections();

    /** How many times a connection has had to wait for content budget since start. */
    long getContentWaits();

    /** Connections closed because they would have overdrawn the content budget (506). */
    long getContentOverdraftRefusals();

    /**
     * Bytes of large message bodies held off the heap now ({@link dev.ferry.message.MessageBody}):
     * back to zero once every large message is consumed and acknowledged, or paged to disk.
     */
    long getOffHeapBodyBytes();

    /** Bytes of large bodies nobody released, freed by the garbage collector instead, since start. */
    long getOffHeapBodyBytesLeftToCollector();
}
