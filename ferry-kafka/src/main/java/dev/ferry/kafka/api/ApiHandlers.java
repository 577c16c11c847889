package dev.ferry.kafka.api;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Which handler serves which API key: the one table the connection dispatches on and ApiVersions
 * advertises from. A key without a handler is not advertised, and a request for it ends the
 * connection as Kafka's broker does for an API it does not enable.
 *
 * <p>Filled before the listener starts, read-only afterwards.
 */
public final class ApiHandlers {
    private final Map<ApiKeys, ApiHandler> handlers = new EnumMap<>(ApiKeys.class);

    /** Adds {@code handler} for its key; a key has at most one handler. */
    public ApiHandlers register(ApiHandler handler) {
        ApiKeys key = handler.apiKey();
        if (handler.oldestVersion() < key.oldestVersion() || handler.latestVersion() > key.latestVersion(true)
                || handler.oldestVersion() > handler.latestVersion()) {
            throw new IllegalArgumentException(key + ": versions " + handler.oldestVersion() + ".." + handler.latestVersion()
                    + " are outside what kafka-clients can decode (" + key.oldestVersion() + ".." + key.latestVersion(true) + ")");
        }
        ApiHandler earlier = handlers.putIfAbsent(key, handler);
        if (earlier != null) {
            throw new IllegalStateException(key + " already has a handler: " + earlier.getClass().getSimpleName());
        }
        return this;
    }

    /** The handler for the API key with this id, or null when none serves it (or the id is unknown). */
    public ApiHandler forId(short apiKey) {
        if (!ApiKeys.hasId(apiKey)) {
            return null;
        }
        return handlers.get(ApiKeys.forId(apiKey));
    }

    /** Every registered handler, in API key order. */
    public Collection<ApiHandler> all() {
        return Collections.unmodifiableCollection(handlers.values());
    }
}
