package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** connection.close (10, 50): Either side ends the connection, saying why and which method failed. */
public record ConnectionClose(
        int replyCode,
        String replyText,
        int failingClassId,
        int failingMethodId) implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 50;

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
        return "connection.close";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(replyCode);
        WireFormat.writeShortString(out, replyText);
        out.writeShort(failingClassId);
        out.writeShort(failingMethodId);
    }

    static ConnectionClose read(ByteBuf in) {
        int replyCode = in.readUnsignedShort();
        String replyText = WireFormat.readShortString(in);
        int failingClassId = in.readUnsignedShort();
        int failingMethodId = in.readUnsignedShort();
        return new ConnectionClose(replyCode, replyText, failingClassId, failingMethodId);
    }
}
