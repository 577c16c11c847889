package dev.ferry.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.ferry.kafka.BrokerLoggers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The Kafka front's {@link BrokerLoggers} over Logback, the backend Ferry's SLF4J logging goes to:
 * every logger of the {@link LoggerContext} (those the configuration names and those the code has
 * asked for, with their parents) at its effective level, Logback's {@code ROOT} shown as Kafka's
 * {@code root}. A level set here is the live Logback level, as Kafka sets log4j's.
 *
 * <p>Kafka's {@code FATAL} has no Logback level; it becomes {@code ERROR} (as SLF4J maps it), so a
 * logger set to FATAL is listed as ERROR afterwards.
 */
final class LogbackLoggers implements BrokerLoggers {
    private final LoggerContext context;

    private LogbackLoggers(LoggerContext context) {
        this.context = context;
    }

    /** The process's loggers; {@link BrokerLoggers#NONE} when SLF4J is not bound to Logback (Ferry embedded elsewhere). */
    static BrokerLoggers current() {
        try {
            ILoggerFactory factory = LoggerFactory.getILoggerFactory();
            return factory instanceof LoggerContext context ? new LogbackLoggers(context) : BrokerLoggers.NONE;
        } catch (LinkageError e) {
            return BrokerLoggers.NONE;
        }
    }

    @Override
    public Map<String, String> levels() {
        Map<String, String> levels = new LinkedHashMap<>();
        for (Logger logger : context.getLoggerList()) {
            levels.put(kafkaName(logger), logger.getEffectiveLevel().toString());
        }
        return levels;
    }

    @Override
    public boolean exists(String name) {
        return logger(name) != null;
    }

    @Override
    public void setLevel(String name, String level) {
        Logger logger = existing(name);
        logger.setLevel(level.equals("FATAL") ? Level.ERROR : Level.toLevel(level, null));
    }

    @Override
    public void unsetLevel(String name) {
        if (name.equals(ROOT)) {
            throw new IllegalArgumentException("the root logger keeps a level");
        }
        existing(name).setLevel(null);
    }

    private Logger existing(String name) {
        Logger logger = logger(name);
        if (logger == null) {
            throw new IllegalArgumentException("no logger " + name);
        }
        return logger;
    }

    /** The logger Kafka's name stands for, or null when Logback has none by that name. */
    private Logger logger(String name) {
        if (name.equals(ROOT)) {
            return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        }
        if (name.equalsIgnoreCase(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            // Logback would answer with the root logger, which Kafka only calls "root".
            return null;
        }
        return context.exists(name);
    }

    private static String kafkaName(Logger logger) {
        return logger.getName().equals(org.slf4j.Logger.ROOT_LOGGER_NAME) ? ROOT : logger.getName();
    }
}
