package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** channel.flow (20, 20): Asks the peer to pause or resume sending content. */
public record ChannelFlow(boolean active) implements AmqpMethod {
    public static final int CLASS_ID = 20;
    public static final int METHOD_ID = 20;

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
        return "channel.flow";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte((active ? 1 : 0));
    }

    static ChannelFlow read(ByteBuf in) {
        int bits = in.readUnsignedByte();
        boolean active = (bits & 1) != 0;
        return new ChannelFlow(active);
    }
}
