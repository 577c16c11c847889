package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** exchange.delete (40, 20): Deletes an exchange. */
public record ExchangeDelete(String exchange, boolean ifUnused, boolean noWait) implements AmqpMethod {
    public static final int CLASS_ID = 40;
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
        return "exchange.delete";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, exchange);
        out.writeByte((ifUnused ? 1 : 0) | (noWait ? 2 : 0));
    }

    static ExchangeDelete read(ByteBuf in) {
        in.skipBytes(2);
        String exchange = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean ifUnused = (bits & 1) != 0;
        boolean noWait = (bits & 2) != 0;
        return new ExchangeDelete(exchange, ifUnused, noWait);
    }
}
