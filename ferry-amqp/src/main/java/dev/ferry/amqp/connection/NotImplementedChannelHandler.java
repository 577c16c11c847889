package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.error.ErrorCode;

/**
 * The channel semantics until the core's are plugged in: channels open and close, and every other
 * method is answered with 540 NOT_IMPLEMENTED, which closes the connection as the spec says.
 */
public final class NotImplementedChannelHandler implements ChannelMethodHandler {
    public NotImplementedChannelHandler(AmqpChannel channel) {
        // The channel is not needed: this handler never replies, it only refuses.
    }

    @Override
    public void onMethod(AmqpMethod method) {
        throw new ProtocolException(ErrorCode.NOT_IMPLEMENTED, method.methodName() + " is not implemented yet",
                method.classId(), method.methodId());
    }

    @Override
    public void onPublish(AssembledPublish publish) {
        throw new ProtocolException(ErrorCode.NOT_IMPLEMENTED, "basic.publish is not implemented yet",
                BasicPublish.CLASS_ID, BasicPublish.METHOD_ID);
    }

    @Override
    public void onClosed() {
        // Nothing held.
    }
}
