package dev.ferry.kafka;

import java.util.Map;

/**
 * The broker's loggers as Kafka's {@code BROKER_LOGGER} config resource shows and changes them
 * (KIP-412): each logger by name with its level, the root logger named {@code root}. Levels are
 * Kafka's names ({@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR},
 * {@code FATAL}, and {@code OFF} / {@code ALL} if the logging backend has them set).
 *
 * <p>ferry-kafka does not know the logging backend (it logs through SLF4J only); the server wires
 * an implementation over its own (Logback's, in ferry-server). {@link #NONE} has no loggers, as
 * Kafka's broker without a supported backend answers.
 *
 * <p>Changes are not stored: like Kafka's, they last until the process ends.
 */
public interface BrokerLoggers {
    /** No logging backend to show: no loggers, so every change names one that does not exist. */
    BrokerLoggers NONE = new BrokerLoggers() {
        @Override
        public Map<String, String> levels() {
            return Map.of();
        }

        @Override
        public boolean exists(String name) {
            return false;
        }

        @Override
        public void setLevel(String name, String level) {
            throw new IllegalArgumentException("no logger " + name);
        }

        @Override
        public void unsetLevel(String name) {
            throw new IllegalArgumentException("no logger " + name);
        }
    };

    /** The name Kafka gives the root logger. */
    String ROOT = "root";

    /**
     * Every logger the backend has (configured or created by the code that logs), with its effective
     * level: its own if set, else its nearest ancestor's.
     */
    Map<String, String> levels();

    /** Whether {@code name} is a logger {@link #levels()} lists ({@link #ROOT} always is, with a backend). */
    boolean exists(String name);

    /** Sets the level of an existing logger; {@code level} is one of Kafka's six valid levels. */
    void setLevel(String name, String level);

    /** Removes a logger's own level, so it takes its ancestor's again; never called for {@link #ROOT}. */
    void unsetLevel(String name);
}
