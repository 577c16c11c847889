package dev.ferry.route;

import java.util.Objects;

/**
 * Where a binding leads: a queue or another exchange, by name. Bindings refer to destinations by
 * name rather than by object so that routing snapshots never keep a deleted queue alive; the
 * virtual host resolves names when it hands the message over.
 */
public record Destination(Kind kind, String name) {

    /** What a destination name refers to. */
    public enum Kind { QUEUE, EXCHANGE }

    public Destination {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static Destination queue(String name) {
        return new Destination(Kind.QUEUE, name);
    }

    public static Destination exchange(String name) {
        return new Destination(Kind.EXCHANGE, name);
    }

    public boolean isQueue() {
        return kind == Kind.QUEUE;
    }

    @Override
    public String toString() {
        return (kind == Kind.QUEUE ? "queue '" : "exchange '") + name + "'";
    }
}
