package dev.ferry.broker;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import dev.ferry.error.BrokerException;

/** Rules and texts for exchange and queue names. Stateless; thread-safe. */
final class ResourceNames {
    /** AMQP short strings, and so names, hold at most 255 bytes. */
    static final int MAX_NAME_BYTES = 255;
    static final String RESERVED_PREFIX = "amq.";
    static final String SERVER_NAMED_PREFIX = "amq.gen-";

    private ResourceNames() {
    }

    static String exchange(String name, String virtualHost) {
        return "exchange '" + name + "' in vhost '" + virtualHost + "'";
    }

    static String queue(String name, String virtualHost) {
        return "queue '" + name + "' in vhost '" + virtualHost + "'";
    }

    static void requireShortEnough(String kind, String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - " + kind + " name is longer than "
                    + MAX_NAME_BYTES + " bytes");
        }
    }

    static void requireNotReserved(String kind, String name) {
        if (name.startsWith(RESERVED_PREFIX)) {
            throw BrokerException.accessRefused("ACCESS_REFUSED - " + kind + " name '" + name
                    + "' contains reserved prefix 'amq.*'");
        }
    }

    /**
     * A fresh server-chosen queue name such as {@code amq.gen-JzTY20BRgKO-HjmUJj0wLg}. The name must
     * be unique in its virtual host (the caller checks), not secret: exclusivity, not the name,
     * guards another connection's queue. So no {@code SecureRandom}, whose default reads
     * {@code /dev/urandom} on every call, on the event loop that declares the queue.
     */
    static String generateQueueName() {
        byte[] random = new byte[16];
        ThreadLocalRandom.current().nextBytes(random);
        return SERVER_NAMED_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
