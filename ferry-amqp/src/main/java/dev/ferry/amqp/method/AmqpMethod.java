package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/**
 * One AMQP 0-9-1 method: a class id, a method id and its arguments. Every method is an immutable
 * record in this package, readable from and writable to the wire in both directions, so tests can
 * play either side of a connection.
 *
 * <p>Reserved arguments (the old access tickets, {@code out-of-band}, {@code known-hosts}, ...) are
 * not fields: they are skipped on read and written as zero or empty.
 */
public interface AmqpMethod {
    int classId();

    int methodId();

    /** The spec's dotted name, such as {@code basic.publish}, for logs and error texts. */
    String methodName();

    /** Whether a content header and body frames follow this method on the same channel. */
    default boolean hasContent() {
        return false;
    }

    /** Writes the arguments only; the class and method ids are written by the frame writer. */
    void writeArguments(ByteBuf out);
}
