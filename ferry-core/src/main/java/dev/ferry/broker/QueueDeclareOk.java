package dev.ferry.broker;

/**
 * The answer to a queue declaration: the (possibly generated) name, the ready message count and
 * the consumer count, as of the queue's last processed batch of commands.
 */
public record QueueDeclareOk(String queue, int messageCount, int consumerCount) {
}
