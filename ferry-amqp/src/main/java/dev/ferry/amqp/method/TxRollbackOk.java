package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** tx.rollback-ok (90, 31): Confirms a rollback. */
public record TxRollbackOk() implements AmqpMethod {
    public static final int CLASS_ID = 90;
    public static final int METHOD_ID = 31;

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
        return "tx.rollback-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static TxRollbackOk read(ByteBuf in) {
        // no arguments
        return new TxRollbackOk();
    }
}
