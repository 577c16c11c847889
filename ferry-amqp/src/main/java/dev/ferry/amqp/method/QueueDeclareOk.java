package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** queue.declare-ok (50, 11): Confirms a queue declare with the queue's name and counts. */
public record QueueDeclareOk(String queue, int messageCount, int consumerCount) implements AmqpMethod {
    public static final int CLASS_ID = 50;
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
        return "queue.declare-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, queue);
        out.writeInt(messageCount);
        out.writeInt(consumerCount);
    }

    static QueueDeclareOk read(ByteBuf in) {
        String queue = WireFormat.readShortString(in);
        int messageCount = in.readInt();
        int consumerCount = in.readInt();
        return new QueueDeclareOk(queue, messageCount, consumerCount);
    }
}
