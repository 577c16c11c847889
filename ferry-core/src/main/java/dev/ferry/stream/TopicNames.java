package dev.ferry.stream;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/** Kafka's rules for topic names, which also keep a name safe as a directory name and in a log line. */
final class TopicNames {
    /** Kafka's limit: a partition directory {@code <name>-<partition>} must fit a 255-byte file name. */
    static final int LENGTH_MAX = 249;

    private TopicNames() {
    }

    /** @throws BrokerException {@link ErrorCode#INVALID_TOPIC} naming what is wrong, in Kafka's words */
    static void check(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new BrokerException(ErrorCode.INVALID_TOPIC, problem);
        }
    }

    /** What is wrong with {@code name} as a topic name, in Kafka's words; null when nothing is. */
    static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "Topic name is invalid: the empty string is not allowed";
        }
        if (name.equals(".") || name.equals("..")) {
            return "Topic name is invalid: '" + name + "' is not allowed";
        }
        if (name.length() > LENGTH_MAX) {
            return "Topic name is invalid: the length of '" + name + "' is longer than the max allowed length "
                    + LENGTH_MAX;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!legal) {
                return "Topic name is invalid: '" + name
                        + "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'";
            }
        }
        return null;
    }

    /** Kafka's collision rule: '.' and '_' are the same in metric names, so two names differing only there collide. */
    static String collisionKey(String name) {
        return name.replace('.', '_');
    }
}
