package dev.ferry.queue;

/**
 * A queue's ready messages and consumers at one point in its command order; what AMQP's
 * queue.declare-ok reports. Taken by a command rather than read from statistics so that a client
 * that publishes and then declares on one channel sees its own messages counted, as in RabbitMQ.
 */
public record QueueCounts(int messageCount, int consumerCount) {
}
