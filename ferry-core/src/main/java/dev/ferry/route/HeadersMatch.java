package dev.ferry.route;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code x-match} modes of a headers binding. Without "-with-x", binding entries whose key
 * starts with {@code x-} take no part in matching (RabbitMQ keeps them for its own use); with it,
 * they are matched like any other entry. {@code x-match} itself is never matched.
 */
public enum HeadersMatch {
    ALL("all", true, false),
    ANY("any", false, false),
    ALL_WITH_X("all-with-x", true, true),
    ANY_WITH_X("any-with-x", false, true);

    /** The binding argument that selects the mode; {@link #ALL} when absent. */
    public static final String ARGUMENT = "x-match";

    private final String wireName;
    private final boolean requiresAll;
    private final boolean matchesXHeaders;

    HeadersMatch(String wireName, boolean requiresAll, boolean matchesXHeaders) {
        this.wireName = wireName;
        this.requiresAll = requiresAll;
        this.matchesXHeaders = matchesXHeaders;
    }

    public String wireName() {
        return wireName;
    }

    /** The mode the binding arguments select, or empty when {@code x-match} has an unknown value. */
    public static Optional<HeadersMatch> of(Map<String, Object> bindingArguments) {
        Object value = bindingArguments.get(ARGUMENT);
        if (value == null) {
            return Optional.of(ALL);
        }
        for (HeadersMatch mode : values()) {
            if (mode.wireName.equals(String.valueOf(value))) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    /** Whether message headers match the binding arguments under this mode. */
    public boolean matches(Map<String, Object> bindingArguments, Map<String, Object> headers) {
        boolean anyMatched = false;
        for (Map.Entry<String, Object> expected : bindingArguments.entrySet()) {
            String key = expected.getKey();
            if (key.equals(ARGUMENT) || (!matchesXHeaders && key.startsWith("x-"))) {
                continue;
            }
            boolean matched = headers != null && headers.containsKey(key)
                    && (expected.getValue() == Binding.VoidValue.INSTANCE
                        || Arguments.sameValue(expected.getValue(), headers.get(key)));
            if (matched) {
                anyMatched = true;
                if (!requiresAll) {
                    return true;
                }
            } else if (requiresAll) {
                return false;
            }
        }
        // "all" over no entries is vacuously true; "any" over no entries matches nothing.
        return requiresAll || anyMatched;
    }
}
