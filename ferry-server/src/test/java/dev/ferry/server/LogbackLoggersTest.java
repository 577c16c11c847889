package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.ferry.kafka.BrokerLoggers;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The Kafka front's view of Logback: names as Kafka gives them, levels that are the live ones. */
class LogbackLoggersTest {
    private final BrokerLoggers loggers = LogbackLoggers.current();

    @Test
    void shouldListLoggersWithTheirEffectiveLevelAndTheRootAsKafkaNamesIt() {
        Logger parent = (Logger) LoggerFactory.getLogger("ferry.test.logback");
        Logger child = (Logger) LoggerFactory.getLogger("ferry.test.logback.child");
        parent.setLevel(Level.WARN);
        try {
            assertThat(loggers.levels()).containsEntry("ferry.test.logback", "WARN")
                    .containsEntry("ferry.test.logback.child", "WARN").containsKey("root").doesNotContainKey("ROOT");
            assertThat(loggers.exists("root")).isTrue();
            assertThat(loggers.exists("ROOT")).isFalse();
            assertThat(loggers.exists("ferry.test.logback.never.created")).isFalse();
            assertThat(child.getLevel()).isNull();
        } finally {
            parent.setLevel(null);
        }
    }

    @Test
    void shouldSetTheLiveLevelAndRemoveItAgain() {
        Logger logger = (Logger) LoggerFactory.getLogger("ferry.test.logback.live");
        loggers.setLevel("ferry.test.logback.live", "TRACE");
        assertThat(logger.isTraceEnabled()).isTrue();
        loggers.setLevel("ferry.test.logback.live", "FATAL");
        // Logback has no FATAL: SLF4J's mapping, ERROR.
        assertThat(logger.getLevel()).isEqualTo(Level.ERROR);
        assertThat(loggers.levels()).containsEntry("ferry.test.logback.live", "ERROR");
        loggers.unsetLevel("ferry.test.logback.live");
        assertThat(logger.getLevel()).isNull();
        assertThat(loggers.levels().get("ferry.test.logback.live")).isEqualTo(loggers.levels().get("root"));
    }
}
