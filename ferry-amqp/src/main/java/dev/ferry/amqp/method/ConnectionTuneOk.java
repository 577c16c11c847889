package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** connection.tune-ok (10, 31): The limits the client accepts (each at most the server's). */
public record ConnectionTuneOk(int channelMax, int frameMax, int heartbeat) implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 31;

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
        return "connection.tune-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(channelMax);
        out.writeInt(frameMax);
        out.writeShort(heartbeat);
    }

    static ConnectionTuneOk read(ByteBuf in) {
        int channelMax = in.readUnsignedShort();
        int frameMax = in.readInt();
        int heartbeat = in.readUnsignedShort();
        return new ConnectionTuneOk(channelMax, frameMax, heartbeat);
    }
}
