package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.update-secret (10, 70): Client replaces its credentials' secret (RabbitMQ extension). */
public record ConnectionUpdateSecret(byte[] newSecret, String reason) implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 70;

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
        return "connection.update-secret";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeLongBytes(out, newSecret);
        WireFormat.writeShortString(out, reason);
    }

    static ConnectionUpdateSecret read(ByteBuf in) {
        byte[] newSecret = WireFormat.readLongBytes(in);
        String reason = WireFormat.readShortString(in);
        return new ConnectionUpdateSecret(newSecret, reason);
    }
}
