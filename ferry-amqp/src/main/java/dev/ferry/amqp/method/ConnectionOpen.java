package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.open (10, 40): Client asks to use a virtual host. */
public record ConnectionOpen(String virtualHost) implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 40;

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
        return "connection.open";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, virtualHost);
        out.writeByte(0);
        out.writeByte(0);
    }

    static ConnectionOpen read(ByteBuf in) {
        String virtualHost = WireFormat.readShortString(in);
        WireFormat.skipShortString(in);
        in.skipBytes(1);
        return new ConnectionOpen(virtualHost);
    }
}
