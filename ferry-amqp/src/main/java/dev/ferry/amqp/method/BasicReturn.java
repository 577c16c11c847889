package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.return (60, 50): Returns an unroutable mandatory message to its publisher, with its content. */
public record BasicReturn(
        int replyCode,
        String replyText,
        String exchange,
        String routingKey) implements AmqpMethod {
    public static final int CLASS_ID = 60;
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
        return "basic.return";
    }

    @Override
    public boolean hasContent() {
        return true;
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(replyCode);
        WireFormat.writeShortString(out, replyText);
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, routingKey);
    }

    static BasicReturn read(ByteBuf in) {
        int replyCode = in.readUnsignedShort();
        String replyText = WireFormat.readShortString(in);
        String exchange = WireFormat.readShortString(in);
        String routingKey = WireFormat.readShortString(in);
        return new BasicReturn(replyCode, replyText, exchange, routingKey);
    }
}
