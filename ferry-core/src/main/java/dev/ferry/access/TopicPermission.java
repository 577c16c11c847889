package dev.ferry.access;

import java.util.Objects;

/**
 * A user's topic permission on one topic exchange of one virtual host, as RabbitMQ defines it:
 * regular expressions over routing keys, write for publishing and read for binding. The variables
 * {@code {username}} and {@code {vhost}} are replaced by this entry's user and virtual host (as plain
 * text, as RabbitMQ does) before the expression is compiled; the empty expression is {@code ^$}.
 * A user without an entry for an exchange is not restricted on it.
 */
public final class TopicPermission {
    private final String user;
    private final String virtualHost;
    private final String exchange;
    private final String write;
    private final String read;
    private final ResourcePattern writePattern;
    private final ResourcePattern readPattern;

    /** @throws IllegalArgumentException if an expression does not compile once its variables are replaced */
    public TopicPermission(String user, String virtualHost, String exchange, String write, String read) {
        this.user = Objects.requireNonNull(user, "user");
        this.virtualHost = Objects.requireNonNull(virtualHost, "virtualHost");
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.write = Objects.requireNonNull(write, "write");
        this.read = Objects.requireNonNull(read, "read");
        this.writePattern = ResourcePattern.of(expand(write));
        this.readPattern = ResourcePattern.of(expand(read));
    }

    private String expand(String regex) {
        return regex.replace("{username}", user).replace("{vhost}", virtualHost);
    }

    public String user() {
        return user;
    }

    public String virtualHost() {
        return virtualHost;
    }

    public String exchange() {
        return exchange;
    }

    public String write() {
        return write;
    }

    public String read() {
        return read;
    }

    boolean allowsWrite(String routingKey) {
        return writePattern.allows(routingKey);
    }

    boolean allowsRead(String routingKey) {
        return readPattern.allows(routingKey);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicPermission p && user.equals(p.user) && virtualHost.equals(p.virtualHost)
                && exchange.equals(p.exchange) && write.equals(p.write) && read.equals(p.read);
    }

    @Override
    public int hashCode() {
        return Objects.hash(user, virtualHost, exchange, write, read);
    }

    @Override
    public String toString() {
        return "TopicPermission[user=" + user + ", vhost=" + virtualHost + ", exchange=" + exchange + ", write="
                + write + ", read=" + read + "]";
    }
}
