package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** exchange.delete-ok (40, 21): Confirms an exchange delete. */
public record ExchangeDeleteOk() implements AmqpMethod {
    public static final int CLASS_ID = 40;
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
        return "exchange.delete-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ExchangeDeleteOk read(ByteBuf in) {
        // no arguments
        return new ExchangeDeleteOk();
    }
}
