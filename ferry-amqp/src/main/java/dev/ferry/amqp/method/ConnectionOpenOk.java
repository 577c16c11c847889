package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.open-ok (10, 41): The virtual host is open; the connection is ready for channels. */
public record ConnectionOpenOk() implements AmqpMethod {
    public static final int CLASS_ID = 10;
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
        return "connection.open-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte(0);
    }

    static ConnectionOpenOk read(ByteBuf in) {
        WireFormat.skipShortString(in);
        return new ConnectionOpenOk();
    }
}
