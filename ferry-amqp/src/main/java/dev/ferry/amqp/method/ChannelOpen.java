package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** channel.open (20, 10): Client opens a channel. */
public record ChannelOpen() implements AmqpMethod {
    public static final int CLASS_ID = 20;
    public static final int METHOD_ID = 10;

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
        return "channel.open";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte(0);
    }

    static ChannelOpen read(ByteBuf in) {
        WireFormat.skipShortString(in);
        return new ChannelOpen();
    }
}
