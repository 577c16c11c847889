package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** tx.rollback (90, 30): Abandons the channel's current transaction. */
public record TxRollback() implements AmqpMethod {
    public static final int CLASS_ID = 90;
    public static final int METHOD_ID = 30;

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
        return "tx.rollback";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static TxRollback read(ByteBuf in) {
        // no arguments
        return new TxRollback();
    }
}
