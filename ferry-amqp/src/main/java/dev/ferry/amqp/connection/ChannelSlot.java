package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import java.util.Objects;

/**
 * One channel number in use on a connection: its state, its content assembler and the handler of
 * its semantics. It is also the {@link AmqpChannel} the handler sends through; sends from other
 * threads are handed to the connection's event loop.
 *
 * <p>State is written only on the event loop; it is volatile so {@link #isOpen()} can be read
 * from anywhere.
 */
final class ChannelSlot implements AmqpChannel {
    enum State { OPEN, CLOSING, CLOSED }

    private final int number;
    private final AmqpConnectionHandler connection;
    final ContentAssembler assembler;
    ChannelMethodHandler handler;
    private volatile State state = State.OPEN;

    ChannelSlot(int number, AmqpConnectionHandler connection, ContentAssembler assembler) {
        this.number = number;
        this.connection = connection;
        this.assembler = assembler;
    }

    State state() {
        return state;
    }

    /** Moves to CLOSING or CLOSED; tells the handler once, the first time the channel stops being open. */
    void leaveOpen(State next) {
        assert connection.inEventLoop();
        boolean wasOpen = state == State.OPEN;
        state = next;
        assembler.reset();
        if (wasOpen && handler != null) {
            connection.notifyClosed(this);
        }
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public AmqpConnection connection() {
        return connection;
    }

    @Override
    public void send(AmqpMethod method) {
        Objects.requireNonNull(method, "method");
        connection.runOnEventLoop(() -> {
            if (state == State.OPEN) {
                connection.writeMethod(number, method);
            }
        });
    }

    @Override
    public void sendContent(AmqpMethod method, MessageProperties properties, byte[] body) {
        sendContent(method, properties, MessageBody.of(Objects.requireNonNull(body, "body")));
    }

    @Override
    public void sendContent(AmqpMethod method, MessageProperties properties, MessageBody body) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(body, "body");
        if (!method.hasContent()) {
            body.release();
            throw new IllegalArgumentException(method.methodName() + " carries no content");
        }
        connection.runOnEventLoop(() -> {
            try {
                if (state == State.OPEN) {
                    connection.writeContent(number, method, properties, body);
                }
            } finally {
                body.release(); // copied into the frames, or kept by the writer until written, or not needed
            }
        });
    }

    @Override
    public void close(ErrorCode code, String text, int failingClassId, int failingMethodId) {
        ProtocolException error = new ProtocolException(code, text, failingClassId, failingMethodId, false);
        connection.runOnEventLoop(() -> {
            if (state == State.OPEN) {
                connection.closeChannel(this, error);
            }
        });
    }

    @Override
    public boolean isOpen() {
        return state == State.OPEN;
    }

    @Override
    public String toString() {
        return connection.name() + "#" + number;
    }
}
