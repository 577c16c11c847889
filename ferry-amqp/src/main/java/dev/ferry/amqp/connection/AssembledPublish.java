package dev.ferry.amqp.connection;

import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;

/**
 * A basic.publish with its content header and every body frame, joined. The body was allocated
 * once at the content header and filled straight from the body frames; the publish holds its
 * creator's reference ({@link MessageBody}), which whoever routes it gives back.
 */
public record AssembledPublish(BasicPublish method, MessageProperties properties, MessageBody body) {
    public String exchange() {
        return method.exchange();
    }

    public String routingKey() {
        return method.routingKey();
    }

    public boolean mandatory() {
        return method.mandatory();
    }

    /** The message as the core takes it; shares the body array, no copy. */
    public Message toMessage() {
        return new Message(method.exchange(), method.routingKey(), properties, body);
    }
}
