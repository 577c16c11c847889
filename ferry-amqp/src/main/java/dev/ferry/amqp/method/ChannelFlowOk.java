package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** channel.flow-ok (20, 21): Confirms a flow change. */
public record ChannelFlowOk(boolean active) implements AmqpMethod {
    public static final int CLASS_ID = 20;
    public static final int METHOD_ID = 21;

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
        return "channel.flow-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte((active ? 1 : 0));
    }

    static ChannelFlowOk read(ByteBuf in) {
        int bits = in.readUnsignedByte();
        boolean active = (bits & 1) != 0;
        return new ChannelFlowOk(active);
    }
}
