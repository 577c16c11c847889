package dev.ferry.it.support;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared plumbing for tests that talk AMQP through RabbitMQ's Java client: a connection and a
 * channel per test, unique names, and a way to read the reply code out of the exception the client
 * throws when the broker closes a channel or connection.
 */
public abstract class AmqpTestBase {
    protected final AmqpTarget target = AmqpTarget.shared();
    protected Connection connection;
    protected Channel channel;
    private final List<Connection> extraConnections = new ArrayList<>();

    @BeforeEach
    void openConnection() throws IOException {
        connection = target.connect();
        channel = connection.createChannel();
    }

    @AfterEach
    void closeConnections() {
        for (Connection extra : extraConnections) {
            closeQuietly(extra);
        }
        closeQuietly(connection);
    }

    /** Another connection to the target, closed after the test. */
    protected Connection newConnection() {
        Connection extra = target.connect();
        extraConnections.add(extra);
        return extra;
    }

    /** A name no other test uses, so tests sharing one broker do not see each other's entities. */
    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The reply code the broker closed with, found in the client's exception chain. */
    public static int replyCode(Throwable thrown) {
        ShutdownSignalException signal = shutdownSignal(thrown);
        Method reason = signal.getReason();
        if (reason instanceof AMQP.Channel.Close close) {
            return close.getReplyCode();
        }
        if (reason instanceof AMQP.Connection.Close close) {
            return close.getReplyCode();
        }
        throw new AssertionError("unexpected shutdown reason " + reason, thrown);
    }

    /** The reply text the broker closed with. */
    public static String replyText(Throwable thrown) {
        Method reason = shutdownSignal(thrown).getReason();
        if (reason instanceof AMQP.Channel.Close close) {
            return close.getReplyText();
        }
        if (reason instanceof AMQP.Connection.Close close) {
            return close.getReplyText();
        }
        throw new AssertionError("unexpected shutdown reason " + reason, thrown);
    }

    /** Whether the broker closed the whole connection (a connection error) rather than a channel. */
    public static boolean isConnectionError(Throwable thrown) {
        return shutdownSignal(thrown).isHardError();
    }

    private static ShutdownSignalException shutdownSignal(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof ShutdownSignalException signal) {
                return signal;
            }
        }
        throw new AssertionError("no ShutdownSignalException in the chain", thrown);
    }

    protected static void closeQuietly(Connection connection) {
        if (connection != null && connection.isOpen()) {
            try {
                connection.close(5_000);
            } catch (IOException | RuntimeException ignored) {
                // The test is over; a broker that already closed it is fine.
            }
        }
    }
}
