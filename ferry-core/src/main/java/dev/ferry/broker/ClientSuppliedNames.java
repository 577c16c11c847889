package dev.ferry.broker;

/**
 * How a protocol front cleans the exchange and queue names a client sends before the virtual host
 * sees them. RabbitMQ removes every line feed and carriage return from them (a queue declared as
 * {@code "q\n"} is {@code q}), so a client that sends a name with a stray newline finds the same
 * entity on both brokers. Which methods do this is the front's to know: in AMQP 0-9-1, as RabbitMQ
 * 3.10 does it, the declare, delete, bind and unbind methods of exchanges and queues, and not
 * basic.consume, basic.get, queue.purge or basic.publish.
 *
 * <p>Stateless; thread-safe.
 */
public final class ClientSuppliedNames {
    private ClientSuppliedNames() {
    }

    /** {@code name} without any {@code '\n'} or {@code '\r'}; the same instance when it has none. */
    public static String stripLineBreaks(String name) {
        if (name.indexOf('\n') < 0 && name.indexOf('\r') < 0) {
            return name;
        }
        StringBuilder stripped = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '\n' && c != '\r') {
                stripped.append(c);
            }
        }
        return stripped.toString();
    }
}
