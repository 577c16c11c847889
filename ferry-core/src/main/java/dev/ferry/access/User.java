package dev.ferry.access;

import java.util.Objects;
import java.util.Set;

/**
 * A user who may log in: name, tags (RabbitMQ's {@code administrator}, {@code monitoring},
 * {@code management}, {@code policymaker}, {@code impersonator}, or any other word) and the salted
 * hash of the password. Immutable.
 */
public record User(String name, Set<String> tags, PasswordHash hash) {
    public static final String ADMINISTRATOR = "administrator";
    public static final String MONITORING = "monitoring";
    public static final String MANAGEMENT = "management";
    public static final String POLICYMAKER = "policymaker";
    /** May publish messages whose {@code user-id} names another user. */
    public static final String IMPERSONATOR = "impersonator";

    public User {
        Objects.requireNonNull(name, "name");
        tags = Set.copyOf(tags);
        Objects.requireNonNull(hash, "hash");
    }

    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }
}
