package dev.ferry.kafka.users;

import dev.ferry.access.PasswordHash.ScramMechanism;
import java.util.List;
import java.util.Optional;

/** Kafka's SCRAM mechanism codes and iteration bounds, as its user credential APIs use them. */
final class ScramMechanisms {
    /** Kafka's bounds on a stored credential's iterations (RFC 7677's minimum; Kafka's own maximum). */
    static final int MIN_ITERATIONS = 4096;
    static final int MAX_ITERATIONS = 16384;
    /** The order Kafka 4.3.1 lists a user's credentials in (kafka-configs prints them so). */
    static final List<ScramMechanism> LISTED = List.of(ScramMechanism.SCRAM_SHA_512, ScramMechanism.SCRAM_SHA_256);

    private ScramMechanisms() {
    }

    /** The mechanism of Kafka's type code, if Ferry keeps credentials for it. */
    static Optional<ScramMechanism> of(byte code) {
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            if (mechanism.kafkaCode() == code) {
                return Optional.of(mechanism);
            }
        }
        return Optional.empty();
    }
}
