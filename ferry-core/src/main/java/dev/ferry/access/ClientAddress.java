package dev.ferry.access;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What the access rules need to know of where a client connects from, the same for every front:
 * whether it is this machine (loopback-only users), and the host without the port (the key of the
 * login throttle, so reconnecting from a new port does not start a fresh count).
 */
public final class ClientAddress {
    private ClientAddress() {
    }

    public static boolean isLoopback(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                && inet.getAddress().isLoopbackAddress();
    }

    /** The client's IP address without the port; any other kind of address as it prints. */
    public static String host(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}
