package dev.ferry.amqp.codec;

import dev.ferry.amqp.method.AmqpMethod;
import io.netty.buffer.ByteBuf;

/**
 * What {@link FrameDecoder} hands to the connection: one decoded frame, the protocol header, or a
 * protocol error the decoder found. Errors travel as values rather than exceptions so that the
 * connection, not Netty's exception path, decides how to close.
 */
public sealed interface InboundFrame {
    /** The channel the frame arrived on; 0 for connection-level frames. */
    int channel();

    /** The client sent a valid "AMQP 0-0-9-1" protocol header. */
    record ProtocolHeader() implements InboundFrame {
        public static final ProtocolHeader INSTANCE = new ProtocolHeader();

        @Override
        public int channel() {
            return 0;
        }
    }

    record Method(int channel, AmqpMethod method) implements InboundFrame {
    }

    record Header(int channel, ContentHeader header) implements InboundFrame {
    }

    /**
     * A body frame. {@code payload} is a retained slice of the read buffer: whoever consumes this
     * frame must release it (the content assembler copies it into the message body first).
     */
    record Body(int channel, ByteBuf payload) implements InboundFrame {
    }

    record Heartbeat(int channel) implements InboundFrame {
    }

    /**
     * A frame the decoder could not accept, with the frame type octet it arrived with (so that a
     * content header the connection did not expect is refused for being out of place before its
     * bytes are held against it). When {@code framingLost} is true the decoder no longer knows
     * where the next frame starts and reads nothing more: the connection can send its
     * connection.close but cannot wait for close-ok.
     */
    record Error(int channel, int frameType, ProtocolException error, boolean framingLost) implements InboundFrame {
    }
}
