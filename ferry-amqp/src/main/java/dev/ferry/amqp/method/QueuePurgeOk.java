package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** queue.purge-ok (50, 31): Confirms a purge with the number of messages removed. */
public record QueuePurgeOk(int messageCount) implements AmqpMethod {
    public static final int CLASS_ID = 50;
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
        return "queue.purge-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeInt(messageCount);
    }

    static QueuePurgeOk read(ByteBuf in) {
        int messageCount = in.readInt();
        return new QueuePurgeOk(messageCount);
    }
}
