package dev.ferry.queue;

/** Why a queue gave up on a message; the wire names are those RabbitMQ writes into {@code x-death}. */
public enum DeathReason {
    /** basic.reject / basic.nack with requeue=false. */
    REJECTED("rejected"),
    /** Its TTL (x-message-ttl or the expiration property) ran out while it was ready. */
    EXPIRED("expired"),
    /** Pushed out, or refused, by x-max-length / x-max-length-bytes. */
    MAXLEN("maxlen"),
    /** Returned more often than x-delivery-limit (or x-retry-delays) allows. */
    DELIVERY_LIMIT("delivery_limit");

    private final String wireName;

    DeathReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
