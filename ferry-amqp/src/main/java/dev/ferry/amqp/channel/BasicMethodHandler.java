package dev.ferry.amqp.channel;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicAck;
import dev.ferry.amqp.method.BasicCancel;
import dev.ferry.amqp.method.BasicCancelOk;
import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.method.BasicConsume;
import dev.ferry.amqp.method.BasicConsumeOk;
import dev.ferry.amqp.method.BasicDeliver;
import dev.ferry.amqp.method.BasicGet;
import dev.ferry.amqp.method.BasicGetEmpty;
import dev.ferry.amqp.method.BasicGetOk;
import dev.ferry.amqp.method.BasicNack;
import dev.ferry.amqp.method.BasicQos;
import dev.ferry.amqp.method.BasicQosOk;
import dev.ferry.amqp.method.BasicRecover;
import dev.ferry.amqp.method.BasicRecoverAsync;
import dev.ferry.amqp.method.BasicRecoverOk;
import dev.ferry.amqp.method.BasicReject;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.front.registry.ChannelSnapshot;
import dev.ferry.front.registry.ConsumerSnapshot;
import dev.ferry.message.Message;
import dev.ferry.queue.ChannelCredit;
import dev.ferry.queue.ConsumerSink;
import dev.ferry.queue.ConsumerSpec;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.SettleOutcome;
import dev.ferry.stats.MessageCounter;
import java.util.ArrayList;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The basic class (60) except publishing: qos, consumers and their deliveries, get, the three ways
 * to settle, and recover. Deliveries arrive on a queue's owner thread and are moved to the event
 * loop before they get a delivery tag, so tags are issued in the order the client sees them.
 */
final class BasicMethodHandler {

    /** A consumer of this channel: which queue feeds it, and whether its deliveries need settling. */
    private record ConsumerEntry(MessageQueue queue, boolean noAck, int prefetchCount) {
    }

    private final ChannelSession session;
    private final UnackedDeliveries unacked = new UnackedDeliveries();
    private final Map<String, ConsumerEntry> consumers = new HashMap<>();
    // Consumers of streams (topics seen as queues) and their unacknowledged tags: see StreamConsumer.
    private final Map<String, StreamConsumer> streamConsumers = new HashMap<>();
    private final StreamDeliveries streamDeliveries = new StreamDeliveries();
    private long lastDeliveryTag;
    private int consumerPrefetch;
    // One for the channel's life, limit 0 until basic.qos global=true: every consumer shares it, so
    // a limit set later applies to consumers already running and counts what they hold unacked.
    private final ChannelCredit channelCredit = new ChannelCredit();
    private String replyConsumerTag;
    private String replyAddress;
    private TransactionBuffer transaction;

    BasicMethodHandler(ChannelSession session) {
        this.session = session;
    }

    void handle(AmqpMethod method) {
        if (method instanceof BasicAck ack) {
            settle(ack.deliveryTag(), ack.multiple(), SettleOutcome.ACK);
        } else if (method instanceof BasicNack nack) {
            settle(nack.deliveryTag(), nack.multiple(), nack.requeue() ? SettleOutcome.REQUEUE : SettleOutcome.DISCARD);
        } else if (method instanceof BasicReject reject) {
            settle(reject.deliveryTag(), false, reject.requeue() ? SettleOutcome.REQUEUE : SettleOutcome.DISCARD);
        } else if (method instanceof BasicQos qos) {
            onQos(qos);
        } else if (method instanceof BasicConsume consume) {
            onConsume(consume);
        } else if (method instanceof BasicCancel cancel) {
            onCancel(cancel);
        } else if (method instanceof BasicGet get) {
            onGet(get);
        } else if (method instanceof BasicRecover recover) {
            recover(recover.requeue());
            session.reply(new BasicRecoverOk());
        } else if (method instanceof BasicRecoverAsync recover) {
            recover(recover.requeue());
        } else {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not a client method");
        }
    }

    /** The channel's qos, unacked deliveries and consumers, for the management API's channel list. */
    ChannelSnapshot snapshot(int channelNumber, boolean confirming, boolean transactional) {
        List<ConsumerSnapshot> listed = new ArrayList<>(consumers.size());
        consumers.forEach((tag, entry) -> listed.add(new ConsumerSnapshot(tag, entry.queue().name(), !entry.noAck(),
                entry.prefetchCount())));
        return new ChannelSnapshot(channelNumber, consumerPrefetch, channelCredit.limit(), unacked.size(), confirming,
                transactional, listed, session.counters().snapshot());
    }

    /** Transactions buffer settlements until commit; null turns buffering off. */
    void useTransaction(TransactionBuffer buffer) {
        this.transaction = buffer;
    }

    private void settle(long deliveryTag, boolean multiple, SettleOutcome outcome) {
        if (!streamDeliveries.isEmpty() && settleStreamDeliveries(deliveryTag, multiple, outcome)) {
            return;
        }
        if (transaction != null) {
            // Out of the unacked set now, so settling it again in this transaction is 406 and
            // recover leaves it alone; the queues hear of it at commit.
            TakenDeliveries taken = unacked.take(deliveryTag, multiple);
            transaction.addSettlement(taken, () -> UnackedDeliveries.settle(session.ref(), taken, outcome));
            return;
        }
        int before = unacked.size();
        unacked.settle(session.ref(), deliveryTag, multiple, outcome);
        if (outcome == SettleOutcome.ACK) {
            session.counters().add(MessageCounter.ACK, before - unacked.size());
        }
    }

    /**
     * Settles what {@code deliveryTag} covers when a stream delivery is among it; returns false
     * when it covers none, for the queue path to handle (and refuse an unknown tag). An ack of a
     * stream delivery gives its consumer credit back, at once even in a transaction; nack and
     * reject are refused as RabbitMQ refuses them (540). Queue deliveries the same multiple ack
     * covers are settled as usual (outside a transaction).
     */
    private boolean settleStreamDeliveries(long deliveryTag, boolean multiple, SettleOutcome outcome) {
        if (!multiple) {
            StreamConsumer consumer = streamDeliveries.consumerOf(deliveryTag);
            if (consumer == null) {
                return false;
            }
            if (outcome != SettleOutcome.ACK) {
                throw nackNotSupported(consumer);
            }
            streamDeliveries.ack(deliveryTag);
            return true;
        }
        if (deliveryTag != 0 && !streamDeliveries.contains(deliveryTag) && !unacked.contains(deliveryTag)) {
            return false;
        }
        if (outcome != SettleOutcome.ACK) {
            StreamConsumer first = streamDeliveries.consumerOf(deliveryTag);
            throw nackNotSupported(first != null ? first : streamConsumers.values().stream().findFirst().orElse(null));
        }
        streamDeliveries.ackThrough(deliveryTag);
        if (unacked.size() > 0) {
            if (transaction != null && (deliveryTag == 0 || unacked.contains(deliveryTag))) {
                TakenDeliveries taken = unacked.take(deliveryTag, true);
                transaction.addSettlement(taken, () -> UnackedDeliveries.settle(session.ref(), taken, outcome));
            } else if (transaction == null) {
                unacked.settleThrough(session.ref(), deliveryTag, outcome);
            }
        }
        return true;
    }

    private BrokerException nackNotSupported(StreamConsumer consumer) {
        String stream = consumer == null ? "" : " " + consumer.streamDescription();
        return new BrokerException(ErrorCode.NOT_IMPLEMENTED,
                "NOT_IMPLEMENTED - basic.nack and basic.reject not supported by stream queues" + stream);
    }

    /** The next delivery tag, for a stream delivery that awaits its ack. */
    long nextStreamDeliveryTag(StreamConsumer consumer) {
        long tag = ++lastDeliveryTag;
        streamDeliveries.add(tag, consumer);
        return tag;
    }

    /** tx.rollback: what the transaction settled is unacknowledged again, under the same tags. */
    void rollBack(List<TakenDeliveries> unsettled) {
        for (TakenDeliveries taken : unsettled) {
            unacked.restore(taken);
        }
    }

    private void onQos(BasicQos qos) {
        if (qos.prefetchSize() != 0) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED,
                    "NOT_IMPLEMENTED - prefetch_size!=0 (" + qos.prefetchSize() + ")");
        }
        if (qos.global()) {
            channelCredit.setLimit(qos.prefetchCount());
        } else {
            consumerPrefetch = qos.prefetchCount();
        }
        session.reply(new BasicQosOk());
    }

    private void onConsume(BasicConsume consume) {
        String tag = consume.consumerTag().isEmpty() ? generatedTag() : consume.consumerTag();
        if (consumers.containsKey(tag) || streamConsumers.containsKey(tag) || tag.equals(replyConsumerTag)) {
            throw new BrokerException(ErrorCode.NOT_ALLOWED, "NOT_ALLOWED - attempt to reuse consumer tag '" + tag + "'");
        }
        if (consume.queue().equals(DirectReplyTo.PSEUDO_QUEUE)) {
            consumeReplies(consume, tag);
            return;
        }
        String queueName = session.queueName(consume.queue());
        session.access().checkRead(UserAccess.Kind.QUEUE, queueName);
        Optional<Topic> stream = session.stream(queueName);
        if (stream.isPresent()) {
            consumeStream(consume, tag, queueName, stream.get());
            return;
        }
        // The queue is looked up now (404 / 405 at once) and remembered before the consume is
        // posted: a channel that closes before the queue answers still tells the queue, which
        // applies that close after the consume because this one thread posted both.
        MessageQueue queue = session.virtualHost().accessibleQueue(queueName, session.connectionId());
        session.touched(queue);
        if (channelCredit.limit() > 0 && !queue.settings().arguments().queueType().supportsGlobalQos()) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "NOT_IMPLEMENTED - " + queue.settings().description()
                    + " does not support global qos");
        }
        Sink sink = new Sink(tag, consume.noAck());
        ConsumerSpec spec = new ConsumerSpec(session.ref(), tag, consume.noAck(), consume.exclusive(),
                consume.noAck() ? 0 : consumerPrefetch, channelCredit,
                ConsumerSpec.priorityFrom(consume.arguments(), queue.settings().description()), sink,
                session.channel().connection().deliveryGate());
        // Registered before the queue can deliver, so the first delivery finds its consumer.
        ConsumerEntry entry = new ConsumerEntry(queue, consume.noAck(), consume.noAck() ? 0 : consumerPrefetch);
        consumers.put(tag, entry);
        queue.consume(spec).whenComplete((registered, error) -> session.onEventLoop(() -> {
            if (error != null) {
                consumers.remove(tag, entry);
                session.fail(error, consume);
                return;
            }
            if (!consume.noWait() && !session.isClosed()) {
                session.reply(new BasicConsumeOk(tag));
            }
            // The queue answers after its first delivery round: those deliveries follow the
            // consume-ok in this same write.
            sink.consumeAnswered();
        }));
    }

    /**
     * A consumer of a stream, checked as RabbitMQ 3.10 checks it: acknowledgements required (540),
     * a per-consumer prefetch required (406), {@code x-stream-offset} where to start. It reads every
     * partition of the topic, or the one Ferry's own {@code x-stream-partition} argument names; a
     * plain numeric offset is a place in one partition, so it needs a named partition when the
     * topic has several (406 otherwise).
     */
    private void consumeStream(BasicConsume consume, String tag, String streamName, Topic topic) {
        String description = session.streams().describe(streamName);
        if (consume.noAck()) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED,
                    "NOT_IMPLEMENTED - automatic acknowledgement not supported by stream queues " + description);
        }
        if (consumerPrefetch == 0) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - consumer prefetch count is not set for '"
                    + description + "'");
        }
        Map<String, Object> arguments = consume.arguments() == null ? Map.of() : consume.arguments();
        Object partitionArgument = arguments.get(STREAM_PARTITION_ARGUMENT);
        Object offsetArgument = arguments.get(StreamConsumer.OFFSET_HEADER);
        long nowMs = System.currentTimeMillis();
        boolean partitioned = topic.partitionCount() > 1;
        StreamConsumer consumer = new StreamConsumer(session, tag, description, consumerPrefetch, partitioned,
                this::onStreamEnded);
        if (partitionArgument != null) {
            Partition partition = topic.partition(partitionIndex(partitionArgument, topic, description));
            consumer.read(partition, StreamConsumer.startOffset(offsetArgument, partition, description, nowMs));
        } else {
            if (partitioned && StreamConsumer.isNumericOffset(offsetArgument)) {
                throw BrokerException.preconditionFailed("PRECONDITION_FAILED - " + StreamConsumer.OFFSET_HEADER + " "
                        + offsetArgument + " is an offset in one partition, and " + description + " has "
                        + topic.partitionCount() + " partitions: name one with " + STREAM_PARTITION_ARGUMENT
                        + ", or start every partition at first, last, next, a timestamp or an interval");
            }
            if (partitioned && offsetArgument instanceof Map<?, ?> table) {
                checkOffsetTable(table, topic, description);
            }
            consumer.readEveryPartition(topic, offsetArgument, nowMs);
        }
        streamConsumers.put(tag, consumer);
        session.replyUnlessNoWait(consume.noWait(), new BasicConsumeOk(tag));
        consumer.pump();
    }

    /** Ferry's own consume argument: which partition of a partitioned topic an AMQP consumer reads. */
    static final String STREAM_PARTITION_ARGUMENT = StreamConsumer.PARTITION_HEADER;

    /**
     * An {@code x-stream-offset} table (Ferry's own, for a topic of several partitions) names
     * partitions by their number as text; anything else in it is 406.
     */
    private static void checkOffsetTable(Map<?, ?> table, Topic topic, String description) {
        for (Object key : table.keySet()) {
            String name = String.valueOf(key);
            if (!name.matches("0|[1-9][0-9]{0,9}") || Long.parseLong(name) >= topic.partitionCount()) {
                throw BrokerException.preconditionFailed("PRECONDITION_FAILED - " + StreamConsumer.OFFSET_HEADER
                        + " names partition '" + name + "', which " + description + " does not have (0 to "
                        + (topic.partitionCount() - 1) + ")");
            }
        }
    }

    private static int partitionIndex(Object argument, Topic topic, String description) {
        if (argument instanceof Number number && !(argument instanceof Float) && !(argument instanceof Double)
                && number.longValue() >= 0 && number.longValue() < topic.partitionCount()) {
            return number.intValue();
        }
        throw BrokerException.preconditionFailed("PRECONDITION_FAILED - " + description + " has "
                + topic.partitionCount() + " partitions: choose one with " + STREAM_PARTITION_ARGUMENT + " (0 to "
                + (topic.partitionCount() - 1) + ")");
    }

    private void onStreamEnded(StreamConsumer consumer) {
        if (streamConsumers.remove(consumer.consumerTag(), consumer) && !session.isClosed()
                && session.channel().connection().clientSupports("consumer_cancel_notify")) {
            session.reply(new BasicCancel(consumer.consumerTag(), true));
        }
    }

    private void consumeReplies(BasicConsume consume, String tag) {
        if (!consume.noAck()) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - reply consumer cannot acknowledge");
        }
        if (replyConsumerTag != null) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - reply consumer already set");
        }
        replyConsumerTag = tag;
        replyAddress = session.directReplyTo().register(session);
        session.replyUnlessNoWait(consume.noWait(), new BasicConsumeOk(tag));
    }

    /** The address to put in reply-to for this channel's requests; 406 without a reply consumer. */
    String replyAddress() {
        if (replyAddress == null) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - fast reply consumer does not exist");
        }
        return replyAddress;
    }

    /** A reply published to this channel's direct reply-to address; called from any event loop. */
    void deliverReply(Message reply) {
        session.onEventLoop(() -> {
            if (session.isClosed() || replyConsumerTag == null) {
                return;
            }
            long tag = ++lastDeliveryTag;
            session.channel().sendContent(new BasicDeliver(replyConsumerTag, tag, false, reply.exchange(),
                    reply.routingKey()), reply.properties(), reply.body());
        });
    }

    private void onCancel(BasicCancel cancel) {
        String tag = cancel.consumerTag();
        if (tag.equals(replyConsumerTag)) {
            releaseReplyAddress();
            session.replyUnlessNoWait(cancel.noWait(), new BasicCancelOk(tag));
            return;
        }
        StreamConsumer streamConsumer = streamConsumers.remove(tag);
        if (streamConsumer != null) {
            streamConsumer.stop();
            session.replyUnlessNoWait(cancel.noWait(), new BasicCancelOk(tag));
            return;
        }
        ConsumerEntry entry = consumers.remove(tag);
        if (entry == null) {
            // Unknown tags are answered as RabbitMQ does: cancel-ok, nothing else.
            session.replyUnlessNoWait(cancel.noWait(), new BasicCancelOk(tag));
            return;
        }
        // Posted after the consume, so the queue applies it after the consume even when the
        // consume has not been answered yet.
        session.replyLater(entry.queue().cancel(session.ref(), tag), cancel.noWait(), existed -> new BasicCancelOk(tag),
                cancel);
    }

    private void onGet(BasicGet get) {
        String queueName = session.queueName(get.queue());
        session.access().checkRead(UserAccess.Kind.QUEUE, queueName);
        if (session.stream(queueName).isPresent()) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "NOT_IMPLEMENTED - basic.get not supported by stream queues "
                    + session.streams().describe(queueName));
        }
        MessageQueue queue = session.virtualHost().accessibleQueue(queueName, session.connectionId());
        session.touched(queue);
        // Taken unacknowledged even for a no-ack get: if the channel closes before the answer is
        // back, the queue requeues the message when it applies the close, rather than losing a
        // message that nobody received. A no-ack get settles it once get-ok is on its way.
        (get.noAck() ? queue.getNoAckHeld(session.ref()) : queue.get(session.ref(), false))
                .whenComplete((result, error) -> session.onEventLoop(() -> {
            if (error != null) {
                session.fail(error, get);
                return;
            }
            if (session.isClosed()) {
                return;
            }
            if (result.isEmpty()) {
                session.counters().increment(MessageCounter.GET_EMPTY);
                session.reply(new BasicGetEmpty());
                return;
            }
            Delivery delivery = result.delivery().orElseThrow();
            long tag = ++lastDeliveryTag;
            session.counters().increment(get.noAck() ? MessageCounter.GET_NO_ACK : MessageCounter.GET);
            if (delivery.redelivered()) {
                session.counters().increment(MessageCounter.REDELIVER);
            }
            if (get.noAck()) {
                delivery.queue().settle(session.ref(), delivery.deliveryId(), SettleOutcome.ACK);
            } else {
                unacked.add(tag, delivery.queue(), delivery.deliveryId());
            }
            Message message = delivery.message();
            // The delivery's body reference goes with the frames (see Delivery).
            session.channel().sendContent(new BasicGetOk(tag, delivery.redelivered(), message.exchange(),
                    message.routingKey(), result.messageCount()), message.properties(), message.messageBody());
        }));
    }

    /**
     * Requeues what the channel holds unacked, as RabbitMQ does: deliveries settled in an open
     * transaction are not the channel's to requeue any more, and requeue=false is refused (540).
     */
    private void recover(boolean requeue) {
        if (!requeue) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "NOT_IMPLEMENTED - requeue=false");
        }
        unacked.settle(session.ref(), 0, true, SettleOutcome.REQUEUE);
    }

    private void onDelivery(Delivery delivery, String consumerTag, boolean noAck) {
        if (session.isClosed()) {
            // The queue requeues it when it applies the channel's close, which it has not yet.
            delivery.message().messageBody().release();
            return;
        }
        // A consumer the client just cancelled still gets what the queue sent before cancel-ok:
        // the client expects those, and the queue counts them as unacked by this channel.
        long tag = ++lastDeliveryTag;
        if (!noAck) {
            unacked.add(tag, delivery.queue(), delivery.deliveryId());
        }
        session.counters().increment(noAck ? MessageCounter.DELIVER_NO_ACK : MessageCounter.DELIVER);
        if (delivery.redelivered()) {
            session.counters().increment(MessageCounter.REDELIVER);
        }
        Message message = delivery.message();
        session.channel().sendContent(new BasicDeliver(consumerTag, tag, delivery.redelivered(), message.exchange(),
                message.routingKey()), message.properties(), message.messageBody());
    }

    private void onCancelledByBroker(String consumerTag) {
        if (consumers.remove(consumerTag) != null && !session.isClosed()
                && session.channel().connection().clientSupports("consumer_cancel_notify")) {
            session.reply(new BasicCancel(consumerTag, true));
        }
    }

    void channelClosed() {
        streamConsumers.values().forEach(StreamConsumer::stop);
        streamConsumers.clear();
        streamDeliveries.clear();
        unacked.clear();
        consumers.clear();
        releaseReplyAddress();
    }

    private void releaseReplyAddress() {
        if (replyAddress != null) {
            session.directReplyTo().release(replyAddress);
        }
        replyAddress = null;
        replyConsumerTag = null;
    }

    private static String generatedTag() {
        byte[] random = new byte[16];
        // A tag only has to be unique on its channel; SecureRandom would read /dev/urandom on the event loop.
        ThreadLocalRandom.current().nextBytes(random);
        return "amq.ctag-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * A consumer's end of the queue. The queue calls it on its owner thread, one delivery at a time;
     * deliveries are collected and the first of a burst schedules one event-loop task that sends
     * them all, so a queue delivering a batch costs the event loop one task, not one per message.
     * A broker-side cancel goes through the same task order, after the deliveries before it.
     */
    /**
     * Where a queue hands one consumer's deliveries: collected from the queue's thread and sent on
     * the event loop, none before the consume-ok (the queue delivers before it answers the
     * consume, so that the first deliveries go out in the consume-ok's write).
     */
    private final class Sink implements ConsumerSink {
        private final String consumerTag;
        private final boolean noAck;
        private final java.util.Queue<Delivery> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean sendScheduled = new java.util.concurrent.atomic.AtomicBoolean();
        private final Runnable sendPending = this::sendPending;
        /** Set on the event loop once the consume is answered; read by the queue's thread. */
        private volatile boolean answered;
        /** A cancel by the broker that came before the consume was answered (event loop only). */
        private String cancelledBeforeAnswer;

        Sink(String consumerTag, boolean noAck) {
            this.consumerTag = consumerTag;
            this.noAck = noAck;
        }

        @Override
        public void deliver(Delivery delivery) {
            pending.add(delivery);
            // Before the answer, the answer's task sends what is pending; a delivery added after it
            // drained sees the flag set (it is set before the drain) and schedules its own send.
            if (answered && sendScheduled.compareAndSet(false, true)) {
                session.onEventLoopLater(sendPending);
            }
        }

        /** On the event loop, once the consume-ok is written (or not, for no-wait): what the queue delivered so far, then any cancel. */
        void consumeAnswered() {
            answered = true;
            sendPending();
            if (cancelledBeforeAnswer != null) {
                onCancelledByBroker(cancelledBeforeAnswer);
                cancelledBeforeAnswer = null;
            }
        }

        /** On the event loop: everything collected so far, in the order the queue delivered it. */
        private void sendPending() {
            sendScheduled.set(false);
            Delivery delivery;
            while ((delivery = pending.poll()) != null) {
                onDelivery(delivery, consumerTag, noAck);
            }
        }

        @Override
        public void cancelledByBroker(String tag) {
            session.onEventLoopLater(() -> {
                if (!answered) {
                    cancelledBeforeAnswer = tag;
                    return;
                }
                sendPending();
                onCancelledByBroker(tag);
            });
        }
    }
}
