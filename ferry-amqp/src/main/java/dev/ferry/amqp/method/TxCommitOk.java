package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** tx.commit-ok (90, 21): Confirms a commit. */
public record TxCommitOk() implements AmqpMethod {
    public static final int CLASS_ID = 90;
    public static final int METHOD_ID = 21;

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
        return "tx.commit-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static TxCommitOk read(ByteBuf in) {
        // no arguments
        return new TxCommitOk();
    }
}
