package dev.ferry.log;

import java.util.List;

/** Thrown by {@link LogConfig#conclude()} with one line per wrong value, each naming the setting. */
public final class InvalidLogConfigException extends IllegalArgumentException {
    private final List<String> problems;

    InvalidLogConfigException(List<String> problems) {
        super("invalid log configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each wrong value, as {@code name=value: what is wrong}. */
    public List<String> problems() {
        return problems;
    }
}
