package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** exchange.unbind-ok (40, 51): Confirms an exchange-to-exchange unbind (method id 51, as RabbitMQ assigns it). */
public record ExchangeUnbindOk() implements AmqpMethod {
    public static final int CLASS_ID = 40;
    public static final int METHOD_ID = 51;

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
        return "exchange.unbind-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ExchangeUnbindOk read(ByteBuf in) {
        // no arguments
        return new ExchangeUnbindOk();
    }
}
