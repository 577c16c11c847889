package dev.ferry.stats;

/**
 * The message counters the management API reports in {@code message_stats}, by RabbitMQ 3.10's
 * field names. Which object counts which: a queue counts what it takes in, hands out and has
 * settled; a channel what its client publishes, is confirmed, returned and delivered; an exchange
 * {@link #PUBLISH_IN} and {@link #PUBLISH_OUT}; a virtual host what its channels count.
 * {@code deliver_get} is not a counter: it is the sum of the four ways out.
 */
public enum MessageCounter {
    PUBLISH("publish"),
    PUBLISH_IN("publish_in"),
    PUBLISH_OUT("publish_out"),
    CONFIRM("confirm"),
    RETURN_UNROUTABLE("return_unroutable"),
    DROP_UNROUTABLE("drop_unroutable"),
    DELIVER("deliver"),
    DELIVER_NO_ACK("deliver_no_ack"),
    GET("get"),
    GET_NO_ACK("get_no_ack"),
    GET_EMPTY("get_empty"),
    ACK("ack"),
    REDELIVER("redeliver"),
    /** Not in RabbitMQ 3.10's message_stats; named after its Prometheus counter (messages_dead_lettered). */
    DEAD_LETTERED("dead_lettered");

    private static final MessageCounter[] ALL = values();

    private final String fieldName;

    MessageCounter(String fieldName) {
        this.fieldName = fieldName;
    }

    /** The {@code message_stats} field. */
    public String fieldName() {
        return fieldName;
    }

    public static int count() {
        return ALL.length;
    }

    public static MessageCounter of(int ordinal) {
        return ALL[ordinal];
    }

    /** {@code deliver_get}: every message handed out, by consume or get, acknowledged or not. */
    public static long deliverGet(long[] counts) {
        return counts[DELIVER.ordinal()] + counts[DELIVER_NO_ACK.ordinal()] + counts[GET.ordinal()]
                + counts[GET_NO_ACK.ordinal()];
    }
}
