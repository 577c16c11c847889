package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** exchange.declare-ok (40, 11): Confirms an exchange declare. */
public record ExchangeDeclareOk() implements AmqpMethod {
    public static final int CLASS_ID = 40;
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
        return "exchange.declare-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ExchangeDeclareOk read(ByteBuf in) {
        // no arguments
        return new ExchangeDeclareOk();
    }
}
