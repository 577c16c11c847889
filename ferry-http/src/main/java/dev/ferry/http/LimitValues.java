package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.access.UserLimits;
import dev.ferry.access.VirtualHostLimits;
import dev.ferry.text.ErlangTerms;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Limits as RabbitMQ's API writes and takes them: a JSON object of limit names
 * ({@code max-connections}, {@code max-queues} for a virtual host; {@code max-connections},
 * {@code max-channels} for a user) to whole numbers. A negative number means no limit, as in
 * RabbitMQ; Ferry keeps it as "no limit", so it is not shown afterwards (RabbitMQ keeps and
 * shows the number given). A limit is at most {@value Integer#MAX_VALUE}.
 */
final class LimitValues {
    static final String MAX_CONNECTIONS = "max-connections";
    static final String MAX_QUEUES = "max-queues";
    static final String MAX_CHANNELS = "max-channels";
    static final List<String> VIRTUAL_HOST_NAMES = List.of(MAX_CONNECTIONS, MAX_QUEUES);
    static final List<String> USER_NAMES = List.of(MAX_CONNECTIONS, MAX_CHANNELS);

    private LimitValues() {
    }

    /**
     * What is wrong with {@code limits}, in RabbitMQ's words and order: the names it does not know
     * first (all in one line, {@code Unrecognised terms [...] in <what>}), then each value that is not a
     * whole number. Empty when they can be set.
     *
     * @param what how RabbitMQ names the set in its text: {@code limits} or {@code user-limits}
     */
    static List<String> problems(Map<String, JsonNode> limits, List<String> known, String what) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> unknown = new LinkedHashMap<>();
        limits.forEach((name, value) -> {
            if (!known.contains(name)) {
                unknown.put(name, plain(value));
            }
        });
        if (!unknown.isEmpty()) {
            problems.add("Unrecognised terms " + ErlangTerms.keyValueList(unknown) + " in " + what);
        }
        limits.forEach((name, value) -> {
            if (!known.contains(name)) {
                return;
            }
            if (!value.isIntegralNumber()) {
                problems.add(name + " should be a number, actually was " + ErlangTerms.format(plain(value)));
            } else if (!value.canConvertToInt() && value.bigIntegerValue().signum() > 0) {
                problems.add(name + " should be at most " + Integer.MAX_VALUE + ", actually was " + value.asText());
            }
        });
        return problems;
    }

    /** A value {@link #problems} let through, as the core keeps it: -1 for any negative number (no limit). */
    static int value(JsonNode checked) {
        return checked.canConvertToInt() && checked.intValue() >= 0 ? checked.intValue() : -1;
    }

    static Map<String, Object> json(VirtualHostLimits limits) {
        Map<String, Object> json = new LinkedHashMap<>();
        putIfLimited(json, MAX_CONNECTIONS, limits.maxConnections());
        putIfLimited(json, MAX_QUEUES, limits.maxQueues());
        return json;
    }

    static Map<String, Object> json(UserLimits limits) {
        Map<String, Object> json = new LinkedHashMap<>();
        putIfLimited(json, MAX_CONNECTIONS, limits.maxConnections());
        putIfLimited(json, MAX_CHANNELS, limits.maxChannels());
        return json;
    }

    /** {@code limits} with the one named set to {@code value} (a name {@link #problems} accepted). */
    static VirtualHostLimits with(VirtualHostLimits limits, String name, int value) {
        return name.equals(MAX_CONNECTIONS) ? limits.withMaxConnections(value) : limits.withMaxQueues(value);
    }

    static UserLimits with(UserLimits limits, String name, int value) {
        return name.equals(MAX_CONNECTIONS) ? limits.withMaxConnections(value) : limits.withMaxChannels(value);
    }

    private static void putIfLimited(Map<String, Object> json, String name, int value) {
        if (value >= 0) {
            json.put(name, value);
        }
    }

    /** The JSON value as the Java value RabbitMQ's texts print (strings, numbers, lists, maps). */
    private static Object plain(JsonNode value) {
        return ApiRequest.JSON.convertValue(value, Object.class);
    }
}
