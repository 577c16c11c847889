package dev.ferry.kafka.security;

import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * How a Kafka listener authenticates its clients, in Kafka's words: the security protocol
 * ({@code PLAINTEXT}: nobody logs in, every client acts as {@link KafkaCredentials#anonymousUser};
 * {@code SASL_PLAINTEXT}: a client logs in with one of {@code mechanisms} before anything but
 * ApiVersions is served) and the mechanisms enabled ({@code sasl.enabled.mechanisms}).
 */
public record KafkaAuthentication(boolean saslRequired, List<String> mechanisms, KafkaCredentials credentials) {
    public static final String PLAIN = "PLAIN";
    /** Every mechanism Ferry serves, in the order a handshake lists them. */
    public static final List<String> ALL_MECHANISMS = List.of(PLAIN, ScramMechanism.SCRAM_SHA_256.mechanismName(),
            ScramMechanism.SCRAM_SHA_512.mechanismName());

    public KafkaAuthentication {
        mechanisms = List.copyOf(mechanisms);
        for (String mechanism : mechanisms) {
            if (!ALL_MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException("SASL mechanism " + mechanism + " is not served; choose from "
                        + String.join(", ", ALL_MECHANISMS));
            }
        }
        if (saslRequired && mechanisms.isEmpty()) {
            throw new IllegalArgumentException("SASL_PLAINTEXT needs at least one SASL mechanism");
        }
    }

    /** {@code PLAINTEXT} or {@code SASL_PLAINTEXT} (any case), with {@code mechanisms}. */
    public static KafkaAuthentication of(String securityProtocol, List<String> mechanisms, KafkaCredentials credentials) {
        String protocol = securityProtocol.toUpperCase(Locale.ROOT);
        return switch (protocol) {
            case "PLAINTEXT" -> new KafkaAuthentication(false, mechanisms, credentials);
            case "SASL_PLAINTEXT" -> new KafkaAuthentication(true, mechanisms, credentials);
            default -> throw new IllegalArgumentException("Kafka security protocol must be PLAINTEXT or SASL_PLAINTEXT, got "
                    + securityProtocol);
        };
    }

    public String securityProtocol() {
        return saslRequired ? "SASL_PLAINTEXT" : "PLAINTEXT";
    }
}
