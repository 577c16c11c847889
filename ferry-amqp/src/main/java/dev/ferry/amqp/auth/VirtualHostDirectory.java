package dev.ferry.amqp.auth;

import java.util.Set;

/**
 * The virtual hosts a client may open. The broker's real directory lives in the core; this seam
 * lets the wire layer answer connection.open without depending on it.
 */
public interface VirtualHostDirectory {
    boolean exists(String virtualHost);

    /** A fixed set of virtual hosts. */
    static VirtualHostDirectory of(String... virtualHosts) {
        Set<String> names = Set.of(virtualHosts);
        return names::contains;
    }
}
