package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** queue.delete-ok (50, 41): Confirms a queue delete with the number of messages dropped. */
public record QueueDeleteOk(int messageCount) implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 41;

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
        return "queue.delete-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeInt(messageCount);
    }

    static QueueDeleteOk read(ByteBuf in) {
        int messageCount = in.readInt();
        return new QueueDeleteOk(messageCount);
    }
}
