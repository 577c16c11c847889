package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** tx.select-ok (90, 11): Confirms transaction mode. */
public record TxSelectOk() implements AmqpMethod {
    public static final int CLASS_ID = 90;
    public static final int METHOD_ID = 11;

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
        return "tx.select-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static TxSelectOk read(ByteBuf in) {
        // no arguments
        return new TxSelectOk();
    }
}
