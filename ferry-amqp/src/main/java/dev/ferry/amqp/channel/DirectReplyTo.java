package dev.ferry.amqp.channel;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RabbitMQ's direct reply-to: a requester consumes the pseudo-queue {@code amq.rabbitmq.reply-to}
 * (no-ack) and publishes with that as its reply-to; the broker rewrites the property to a unique
 * address naming the requesting channel, and a reply published to that address on the default
 * exchange goes straight to the channel, through no queue at all.
 *
 * <p>Thread safety: the address book is shared by every connection's event loop.
 */
final class DirectReplyTo {
    static final String PSEUDO_QUEUE = "amq.rabbitmq.reply-to";
    static final String ADDRESS_PREFIX = PSEUDO_QUEUE + ".";

    private final SecureRandom random = new SecureRandom();
    private final Map<String, ChannelSession> channelsByAddress = new ConcurrentHashMap<>();

    /** A new, unguessable address for {@code session}, valid until {@link #release}. */
    String register(ChannelSession session) {
        byte[] token = new byte[18];
        random.nextBytes(token);
        String address = ADDRESS_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        channelsByAddress.put(address, session);
        return address;
    }

    void release(String address) {
        channelsByAddress.remove(address);
    }

    Optional<ChannelSession> channelFor(String address) {
        return Optional.ofNullable(channelsByAddress.get(address));
    }

    static boolean isAddress(String routingKey) {
        return routingKey.startsWith(ADDRESS_PREFIX);
    }
}
