package dev.ferry.amqp.codec;

import dev.ferry.message.MessageProperties;

/**
 * A content header frame's payload: the class of the content method it belongs to (60 for basic),
 * the total body size that the body frames will add up to, and the properties.
 */
public record ContentHeader(int classId, long bodySize, MessageProperties properties) {
}
