package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** connection.unblocked (10, 61): Server tells the client publishing may resume (RabbitMQ extension). */
public record ConnectionUnblocked() implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 61;

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
        return "connection.unblocked";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ConnectionUnblocked read(ByteBuf in) {
        // no arguments
        return new ConnectionUnblocked();
    }
}
