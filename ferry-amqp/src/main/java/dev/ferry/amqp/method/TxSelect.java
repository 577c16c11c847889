package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** tx.select (90, 10): Puts the channel in transaction mode. */
public record TxSelect() implements AmqpMethod {
    public static final int CLASS_ID = 90;
    public static final int METHOD_ID = 10;

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
        return "tx.select";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static TxSelect read(ByteBuf in) {
        // no arguments
        return new TxSelect();
    }
}
