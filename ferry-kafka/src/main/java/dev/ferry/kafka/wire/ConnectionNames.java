package dev.ferry.kafka.wire;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** How a connection is named in log lines: the client's address and port, then ours. */
public final class ConnectionNames {
    private ConnectionNames() {
    }

    public static String of(Channel channel) {
        return format(channel.remoteAddress()) + " -> " + format(channel.localAddress());
    }

    private static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return io.netty.util.NetUtil.toSocketAddressString(inet);
        }
        return String.valueOf(address);
    }
}
