package dev.ferry.amqp.codec;

/**
 * Constants of AMQP 0-9-1 framing. Every frame is
 *
 * <pre>
 * +------+---------+-------------+---------------+-----------+
 * | type | channel |    size     |    payload    | frame-end |
 * |  u8  |   u16   |     u32     |  size octets  |   0xCE    |
 * +------+---------+-------------+---------------+-----------+
 * </pre>
 *
 * and {@code frame_max} bounds the whole frame, the 8 octets of overhead included.
 */
public final class AmqpFrames {
    public static final int TYPE_METHOD = 1;
    public static final int TYPE_HEADER = 2;
    public static final int TYPE_BODY = 3;
    public static final int TYPE_HEARTBEAT = 8;

    public static final int FRAME_END = 0xCE;
    /** Type, channel and size: the octets before the payload. */
    public static final int HEADER_BYTES = 7;
    /** Header plus the frame-end octet. */
    public static final int OVERHEAD_BYTES = 8;
    /** The smallest frame_max a peer may negotiate; every handshake method fits in it. */
    public static final int FRAME_MIN_SIZE = 4096;
    /**
     * The largest frame accepted before tune-ok has fixed frame_max, overhead included: a payload
     * of up to {@link #FRAME_MIN_SIZE} octets. RabbitMQ allows that much (it forgives frames up to
     * 8 octets over frame_max, a common off-by-the-overhead mistake of clients) and closes the
     * connection on anything larger, so a client that works with RabbitMQ works here.
     */
    public static final int HANDSHAKE_FRAME_MAX = FRAME_MIN_SIZE + OVERHEAD_BYTES;

    /** "AMQP" then protocol id 0 and version 0-9-1; also what we answer to a client speaking anything else. */
    private static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

    public static final int PROTOCOL_HEADER_BYTES = PROTOCOL_HEADER.length;

    private AmqpFrames() {
    }

    public static byte protocolHeaderByte(int index) {
        return PROTOCOL_HEADER[index];
    }

    public static byte[] protocolHeader() {
        return PROTOCOL_HEADER.clone();
    }
}
