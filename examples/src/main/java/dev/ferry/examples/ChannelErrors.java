package dev.ferry.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ShutdownSignalException;

/** Reads the AMQP reply code out of the exception the Java client throws when the broker closes a channel. */
final class ChannelErrors {
    private ChannelErrors() {
    }

    /** The reply code of the channel.close that caused {@code failure}, or -1 if it was something else. */
    static int replyCode(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ShutdownSignalException shutdown && shutdown.getReason() instanceof AMQP.Channel.Close close) {
                return close.getReplyCode();
            }
        }
        return -1;
    }
}
