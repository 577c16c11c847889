package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** channel.close-ok (20, 41): Confirms a channel close; the channel number is free again. */
public record ChannelCloseOk() implements AmqpMethod {
    public static final int CLASS_ID = 20;
    public static final int METHOD_ID = 41;

    @Override
    public int classId() {
        return CLASS_ID;
    }

    @Override
    public int methodId() {
        return METHOD_ID;
    }

    @Override
    public String methodName() {
        return "channel.close-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ChannelCloseOk read(ByteBuf in) {
        // no arguments
        return new ChannelCloseOk();
    }
}
