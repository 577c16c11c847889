package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.secure-ok (10, 21): The client's answer to a SASL challenge. */
public record ConnectionSecureOk(byte[] response) implements AmqpMethod {
    public static final int CLASS_ID = 10;
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
        return "connection.secure-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeLongBytes(out, response);
    }

    static ConnectionSecureOk read(ByteBuf in) {
        byte[] response = WireFormat.readLongBytes(in);
        return new ConnectionSecureOk(response);
    }
}
