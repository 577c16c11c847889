package dev.ferry.stream;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/** Kafka's rules for topic names, which also keep a name safe as a directory name and in a log line. */
final class TopicNames {
    /** Kafka's limit: a partition directory {@code <name>-<partition>} must fit a 255-byte file name. */
    static final int LENGTH_MAX = 249;

    private TopicNames() {
    }

    /** @throws BrokerException {@link ErrorCode#INVALID_TOPIC} naming what is wrong */
    static void check(String name) {
        if (name == null || name.isEmpty()) {
            throw new BrokerException(ErrorCode.INVALID_TOPIC, "a topic name may not be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new BrokerException(ErrorCode.INVALID_TOPIC, "a topic may not be named '" + name + "'");
        }
        if (name.length() > LENGTH_MAX) {
            throw new BrokerException(ErrorCode.INVALID_TOPIC, "a topic name may have at most " + LENGTH_MAX
                    + " characters, not " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!legal) {
                throw new BrokerException(ErrorCode.INVALID_TOPIC, "a topic name may hold only ASCII letters, digits, "
                        + "'.', '_' and '-'; character " + i + " is not one of them");
            }
        }
    }

    /** Kafka's collision rule: '.' and '_' are the same in metric names, so two names differing only there collide. */
    static String collisionKey(String name) {
        return name.replace('.', '_');
    }
}
