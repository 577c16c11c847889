package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** connection.close-ok (10, 51): Confirms a connection close; the socket may then be closed. */
public record ConnectionCloseOk() implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 51;

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
        return "connection.close-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ConnectionCloseOk read(ByteBuf in) {
        // no arguments
        return new ConnectionCloseOk();
    }
}
