package dev.ferry.access;

import java.util.Objects;

/**
 * What a user may do in one virtual host, as RabbitMQ defines it: three regular expressions over
 * resource (queue and exchange) names, for configure (declare, delete), write (publish to, bind to)
 * and read (consume, get, purge, bind from). Having an entry at all is what lets the user open the
 * virtual host. The expressions are compiled when the permission is made.
 */
public final class Permission {
    private final String user;
    private final String virtualHost;
    private final ResourcePattern configure;
    private final ResourcePattern write;
    private final ResourcePattern read;

    /** @throws IllegalArgumentException if an expression does not compile */
    public Permission(String user, String virtualHost, String configure, String write, String read) {
        this.user = Objects.requireNonNull(user, "user");
        this.virtualHost = Objects.requireNonNull(virtualHost, "virtualHost");
        this.configure = ResourcePattern.of(Objects.requireNonNull(configure, "configure"));
        this.write = ResourcePattern.of(Objects.requireNonNull(write, "write"));
        this.read = ResourcePattern.of(Objects.requireNonNull(read, "read"));
    }

    /** Full permissions: {@code .*} for all three. */
    public static Permission full(String user, String virtualHost) {
        return new Permission(user, virtualHost, ".*", ".*", ".*");
    }

    public String user() {
        return user;
    }

    public String virtualHost() {
        return virtualHost;
    }

    public String configure() {
        return configure.regex();
    }

    public String write() {
        return write.regex();
    }

    public String read() {
        return read.regex();
    }

    boolean allowsConfigure(String resource) {
        return configure.allows(resource);
    }

    boolean allowsWrite(String resource) {
        return write.allows(resource);
    }

    boolean allowsRead(String resource) {
        return read.allows(resource);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Permission p && user.equals(p.user) && virtualHost.equals(p.virtualHost)
                && configure().equals(p.configure()) && write().equals(p.write()) && read().equals(p.read());
    }

    @Override
    public int hashCode() {
        return Objects.hash(user, virtualHost, configure(), write(), read());
    }

    @Override
    public String toString() {
        return "Permission[user=" + user + ", vhost=" + virtualHost + ", configure=" + configure() + ", write="
                + write() + ", read=" + read() + "]";
    }
}
