package dev.ferry.queue;

/**
 * x-max-length and x-max-length-bytes, counted over ready messages (body bytes), with RabbitMQ's
 * thresholds: drop-head trims while the queue is over a limit after a publish; reject-publish
 * refuses a publish while the queue is at or over a limit before it. Immutable.
 */
record LengthLimit(long maxMessages, long maxBytes, Overflow overflow) {

    static LengthLimit of(QueueArguments arguments) {
        return new LengthLimit(arguments.maxLength().orElse(Long.MAX_VALUE),
                arguments.maxLengthBytes().orElse(Long.MAX_VALUE), arguments.overflow());
    }

    boolean refusesPublish() {
        return overflow != Overflow.DROP_HEAD;
    }

    /** For reject-publish: whether a new message must be refused, before it is stored. */
    boolean isFull(int readyCount, long readyBytes) {
        return readyCount >= maxMessages || readyBytes >= maxBytes;
    }

    /** For drop-head: whether the oldest ready message must go, after a message was stored. */
    boolean isOver(int readyCount, long readyBytes) {
        return readyCount > maxMessages || readyBytes > maxBytes;
    }
}
