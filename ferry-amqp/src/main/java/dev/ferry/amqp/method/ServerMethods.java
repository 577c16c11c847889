package dev.ferry.amqp.method;

/**
 * The methods only a server sends, by the AMQP 0-9-1 specification's chassis rules plus RabbitMQ's
 * extensions (connection.blocked and unblocked, confirm.select-ok): every {@code -ok} answer to a
 * client request, the handshake's start, secure and tune, and the deliveries (basic.deliver,
 * return, get-ok, get-empty). A client that sends one has broken the protocol; what it gets back is
 * decided by the connection ({@link dev.ferry.amqp.codec.ProtocolException#unimplementedMethod} on a
 * channel, as RabbitMQ answers).
 *
 * <p>Methods both sides send (channel.flow and flow-ok, the close pairs, basic.ack, nack and
 * cancel) are not in the list: whether one is expected depends on the state of the channel.
 */
public final class ServerMethods {
    private ServerMethods() {
    }

    public static boolean isServerOnly(AmqpMethod method) {
        return isServerOnly(method.classId(), method.methodId());
    }

    public static boolean isServerOnly(int classId, int methodId) {
        return switch (classId) {
            // start, secure, tune, open-ok, blocked, unblocked, update-secret-ok
            case 10 -> methodId == 10 || methodId == 20 || methodId == 30 || methodId == 41 || methodId == 60
                    || methodId == 61 || methodId == 71;
            case 20 -> methodId == 11; // open-ok
            case 40, 50, 90 -> methodId % 10 == 1; // declare-ok, bind-ok, ... and the tx answers
            // qos-ok, consume-ok, cancel-ok, return, deliver, get-ok, get-empty, recover-ok
            case 60 -> methodId == 11 || methodId == 21 || methodId == 31 || methodId == 50 || methodId == 60
                    || methodId == 71 || methodId == 72 || methodId == 111;
            case 85 -> methodId == 11; // select-ok
            default -> false;
        };
    }
}
