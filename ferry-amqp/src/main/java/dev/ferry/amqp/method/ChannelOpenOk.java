package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** channel.open-ok (20, 11): The channel is open. */
public record ChannelOpenOk() implements AmqpMethod {
    public static final int CLASS_ID = 20;
    public static final int METHOD_ID = 11;

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
        return "channel.open-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeInt(0);
    }

    static ChannelOpenOk read(ByteBuf in) {
        WireFormat.skipLongString(in);
        return new ChannelOpenOk();
    }
}
