package dev.ferry.front;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of the configured addresses a listener can bind on this machine. An IPv6 address the
 * machine cannot have is left out, with a warning, instead of failing the start: the IPv6 loopback
 * {@code ::1} when no interface carries it, the IPv6 wildcard {@code ::} when no interface has any
 * IPv6 address. That is what a host or container with IPv6 switched off looks like, and also a JVM
 * run with {@code -Djava.net.preferIPv4Stack=true}, which sees no IPv6 address at all. Any other
 * address is kept, and a bind that fails on it fails the start: it is a configuration error.
 *
 * <p>Front-neutral: the Kafka front listens on the same addresses.
 */
public final class ListenAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(ListenAddresses.class);

    private ListenAddresses() {
    }

    /** The addresses to bind, in the order given, without the IPv6 ones this machine cannot have. */
    public static List<InetAddress> usable(List<InetAddress> configured, String listenerName) {
        List<InetAddress> usable = new ArrayList<>(configured.size());
        for (InetAddress address : configured) {
            if (isUnavailableIpv6(address)) {
                LOG.warn("{}: not listening on {}: IPv6 is not available on this machine or to this JVM; "
                        + "listening on the other addresses", listenerName, NetUtil.toAddressString(address));
            } else {
                usable.add(address);
            }
        }
        return usable;
    }

    /** {@code 127.0.0.1:5672}, {@code [::1]:5672}: the form a URI takes. */
    public static String format(InetSocketAddress address) {
        return NetUtil.toSocketAddressString(address);
    }

    /** {@code 127.0.0.1}, {@code ::1}: an address alone, IPv6 in its short form (as the management API shows it). */
    public static String formatHost(InetAddress address) {
        return NetUtil.toAddressString(address);
    }

    private static boolean isUnavailableIpv6(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return false;
        }
        try {
            if (address.isAnyLocalAddress()) {
                return !anyInterfaceHasIpv6();
            }
            if (address.isLoopbackAddress()) {
                return NetworkInterface.getByInetAddress(address) == null;
            }
        } catch (SocketException e) {
            // The interfaces cannot be listed; binding will tell whether the address works.
            return false;
        }
        return false;
    }

    private static boolean anyInterfaceHasIpv6() throws SocketException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet6Address) {
                    return true;
                }
            }
        }
        return false;
    }
}
