package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.blocked (10, 60): Server tells the client publishing is paused (RabbitMQ extension). */
public record ConnectionBlocked(String reason) implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 60;

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
        return "connection.blocked";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, reason);
    }

    static ConnectionBlocked read(ByteBuf in) {
        String reason = WireFormat.readShortString(in);
        return new ConnectionBlocked(reason);
    }
}
