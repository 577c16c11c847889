package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** exchange.bind-ok (40, 31): Confirms an exchange-to-exchange bind. */
public record ExchangeBindOk() implements AmqpMethod {
    public static final int CLASS_ID = 40;
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
        return "exchange.bind-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ExchangeBindOk read(ByteBuf in) {
        // no arguments
        return new ExchangeBindOk();
    }
}
