package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** connection.update-secret-ok (10, 71): Confirms a secret update. */
public record ConnectionUpdateSecretOk() implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 71;

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
        return "connection.update-secret-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ConnectionUpdateSecretOk read(ByteBuf in) {
        // no arguments
        return new ConnectionUpdateSecretOk();
    }
}
