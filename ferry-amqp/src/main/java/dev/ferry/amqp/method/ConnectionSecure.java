package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.secure (10, 20): A further SASL challenge (unused by Ferry's mechanisms). */
public record ConnectionSecure(byte[] challenge) implements AmqpMethod {
    public static final int CLASS_ID = 10;
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
        return "connection.secure";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeLongBytes(out, challenge);
    }

    static ConnectionSecure read(ByteBuf in) {
        byte[] challenge = WireFormat.readLongBytes(in);
        return new ConnectionSecure(challenge);
    }
}
