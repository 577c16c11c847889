package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.publish (60, 40): Publishes a message; a content header and body frames follow. */
public record BasicPublish(
        String exchange,
        String routingKey,
        boolean mandatory,
        boolean immediate) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 40;

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
        return "basic.publish";
    }

    @Override
    public boolean hasContent() {
        return true;
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, routingKey);
        out.writeByte((mandatory ? 1 : 0) | (immediate ? 2 : 0));
    }

    static BasicPublish read(ByteBuf in) {
        in.skipBytes(2);
        // Kept as sent, as RabbitMQ does: it reads a publish's exchange and routing key as bytes
        // (a name that is not UTF-8 finds no exchange; a routing key reaches queues as bytes).
        String exchange = WireFormat.readShortText(in);
        String routingKey = WireFormat.readShortText(in);
        int bits = in.readUnsignedByte();
        boolean mandatory = (bits & 1) != 0;
        boolean immediate = (bits & 2) != 0;
        return new BasicPublish(exchange, routingKey, mandatory, immediate);
    }
}
