package dev.ferry.kafka.group;

/** The client's address as Kafka reports it in DescribeGroups ({@code /127.0.0.1}), from the connection's name. */
final class ClientHost {
    private ClientHost() {
    }

    /** {@code connection} is "host:port -> host:port" (dev.ferry.kafka.wire.ConnectionNames). */
    static String of(String connection) {
        if (connection == null) {
            return "";
        }
        int arrow = connection.indexOf(" -> ");
        String remote = arrow < 0 ? connection : connection.substring(0, arrow);
        int colon = remote.lastIndexOf(':');
        String host = colon > 0 ? remote.substring(0, colon) : remote;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return "/" + host;
    }
}
