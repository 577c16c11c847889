package dev.ferry.queue;

import java.util.Map;
import java.util.OptionalLong;

import dev.ferry.message.Message;

/**
 * A queue's deduplication window, from its arguments: a message whose id the queue took within the
 * last {@link #cacheSize()} ids and, with {@link #cacheTtlMs()}, within that many milliseconds, is
 * dropped on arrival and its publisher confirmed as if it had been stored (it was, the first time).
 *
 * <p>The argument names are those of RabbitMQ's community plugin (rabbitmq-message-deduplication):
 * {@value #ENABLED} (bool), {@value #CACHE_SIZE}, {@value #CACHE_TTL} (ms), and the message header
 * {@value #DEFAULT_HEADER} carrying the id. Ferry's own additions: {@value #HEADER_NAME} names
 * another header, and a message without that header is deduplicated by its {@code message-id}
 * property. The plugin's queue flavour keeps an id only while its message is in the queue; Ferry's
 * window is the plugin's exchange cache (by count and time), so a resend of a message already
 * consumed and acked is dropped as long as its id is in the window.
 *
 * <p>Immutable.
 *
 * @param cacheSize  how many ids the window holds; the oldest goes first
 * @param cacheTtlMs how long an id stays in the window, or empty for no time limit
 * @param headerName the header that carries a message's id
 */
public record DeduplicationSettings(long cacheSize, OptionalLong cacheTtlMs, String headerName) {

    public static final String ENABLED = "x-message-deduplication";
    public static final String CACHE_SIZE = "x-cache-size";
    public static final String CACHE_TTL = "x-cache-ttl";
    /** Ferry's own: the header carrying the id, when not {@value #DEFAULT_HEADER}. */
    public static final String HEADER_NAME = "x-deduplication-header-name";
    public static final String DEFAULT_HEADER = "x-deduplication-header";

    /** The window's size without {@value #CACHE_SIZE}. */
    public static final long DEFAULT_CACHE_SIZE = 100_000;
    /** The largest {@value #CACHE_SIZE} taken: a window is held in memory (about 100 bytes an id). */
    public static final long MAX_CACHE_SIZE = 10_000_000;
    /** Longer ids are not deduplicated: the journal keeps every id of the window, each in one record. */
    public static final int MAX_ID_LENGTH = 1024;

    /**
     * The id {@code message} is deduplicated by: the header's value (a string, or an integer in
     * decimal), else its {@code message-id}; null when it has neither (or only an empty or overlong
     * one), in which case it is not checked, as with the plugin.
     */
    public String idOf(Message message) {
        Map<String, Object> headers = message.properties().headers();
        Object value = headers == null ? null : headers.get(headerName);
        String id;
        if (value instanceof String text) {
            id = text;
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            id = value.toString();
        } else {
            id = message.properties().messageId();
        }
        return id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH ? null : id;
    }
}
