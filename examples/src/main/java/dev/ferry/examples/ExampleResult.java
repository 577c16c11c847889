package dev.ferry.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * What an example found: every check it made (passed or failed) plus informative notes such as
 * timings. It succeeded when no check failed and at least one check was made.
 */
public record ExampleResult(String example, List<String> lines, List<String> failures) {

    public ExampleResult {
        lines = List.copyOf(lines);
        failures = List.copyOf(failures);
    }

    public boolean succeeded() {
        return failures.isEmpty() && !lines.isEmpty();
    }

    /** A few lines for a human: the verdict first, then each check and note. */
    public String summary() {
        StringBuilder text = new StringBuilder();
        text.append(example).append(": ").append(succeeded() ? "OK" : "FAILED").append('\n');
        for (String line : lines) {
            text.append("  ").append(line).append('\n');
        }
        return text.toString();
    }

    /** Collects checks and notes while an example runs. Not thread-safe: call it from the example's own thread. */
    static final class Builder {
        private final String example;
        private final List<String> lines = new ArrayList<>();
        private final List<String> failures = new ArrayList<>();

        Builder(String example) {
            this.example = example;
        }

        /** Records a check; {@code description} says what must hold, in a few words. */
        Builder check(boolean holds, String description) {
            if (holds) {
                lines.add("ok      " + description);
            } else {
                lines.add("FAILED  " + description);
                failures.add(description);
            }
            return this;
        }

        /** Records a check that compares what arrived with what should have. */
        Builder checkEquals(Object expected, Object actual, String description) {
            boolean holds = expected.equals(actual);
            return check(holds, holds ? description : description + " (expected " + expected + ", got " + actual + ")");
        }

        Builder note(String text) {
            lines.add("note    " + text);
            return this;
        }

        ExampleResult build() {
            return new ExampleResult(example, lines, failures);
        }
    }
}
