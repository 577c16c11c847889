package dev.ferry.http;

import java.util.List;
import java.util.Set;

/**
 * A logged-in user of the API with RabbitMQ's user tags, which decide what it may see and do:
 * {@code administrator} everything; {@code monitoring} every object of every virtual host and the
 * node's details, read-only for what is not its own; {@code management} (and
 * {@code policymaker}) the objects of the virtual hosts it may open. No tag: no API at all.
 */
public record ApiUser(String name, List<String> tags) {
    private static final Set<String> MANAGEMENT_TAGS = Set.of("administrator", "monitoring", "policymaker", "management");

    public ApiUser {
        tags = List.copyOf(tags);
    }

    public boolean isAdministrator() {
        return tags.contains("administrator");
    }

    /** Sees every virtual host and the node (administrator or monitoring). */
    public boolean isMonitor() {
        return isAdministrator() || tags.contains("monitoring");
    }

    /** May use the API at all. */
    public boolean isManagementUser() {
        return tags.stream().anyMatch(MANAGEMENT_TAGS::contains);
    }
}
