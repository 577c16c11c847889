package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** tx.commit (90, 20): Commits the channel's current transaction. */
public record TxCommit() implements AmqpMethod {
    public static final int CLASS_ID = 90;
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
        return "tx.commit";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static TxCommit read(ByteBuf in) {
        // no arguments
        return new TxCommit();
    }
}
