package dev.ferry.amqp.channel;

import dev.ferry.queue.MessageQueue;

/**
 * Deliveries a transaction took out of the channel's unacknowledged set when the client settled
 * them: parallel arrays in ascending tag order, each tag with the queue and queue-local delivery id
 * it stands for. Commit settles them with their queues; rollback puts them back unacknowledged.
 */
record TakenDeliveries(long[] tags, MessageQueue[] queues, long[] ids) {
    TakenDeliveries {
        assert tags.length == queues.length && tags.length == ids.length : "parallel arrays of one length";
    }
}
