package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.PasswordHash.ScramCredential;
import dev.ferry.access.PasswordHash.ScramMechanism;
import dev.ferry.http.Definitions.InvalidDefinitionsException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's SCRAM credentials in a definitions document, a Ferry extension ({@code scram_credentials}
 * beside RabbitMQ's {@code password_hash}): RabbitMQ's hash cannot give them back, since SCRAM needs
 * the password, so without them an exported and imported user could no longer log in to Kafka by
 * SCRAM, and one whose credentials were set through Kafka could not log in at all. RabbitMQ ignores
 * the key when it imports such a document.
 */
final class ScramCredentialsJson {
    static final String KEY = "scram_credentials";

    private ScramCredentialsJson() {
    }

    /** The credentials {@code hash} has, as the export writes them; empty if none. */
    static List<Map<String, Object>> of(PasswordHash hash) {
        List<Map<String, Object>> credentials = new ArrayList<>();
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            hash.scram(mechanism).ifPresent(credential -> {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("mechanism", PasswordHash.scramName(mechanism));
                json.put("salt", Base64.getEncoder().encodeToString(credential.salt()));
                json.put("iterations", credential.iterations());
                json.put("stored_key", Base64.getEncoder().encodeToString(credential.storedKey()));
                json.put("server_key", Base64.getEncoder().encodeToString(credential.serverKey()));
                credentials.add(json);
            });
        }
        return credentials;
    }

    /**
     * {@code hash} with the credentials of a user entry's {@code scram_credentials} set beside it.
     *
     * @throws InvalidDefinitionsException naming the user and what is wrong
     */
    static PasswordHash read(String user, JsonNode credentials, PasswordHash hash) {
        if (credentials == null || credentials.isNull()) {
            return hash;
        }
        if (!credentials.isArray()) {
            throw invalid(user, KEY + " must be a list");
        }
        for (JsonNode credential : credentials) {
            String name = credential.path("mechanism").asText("");
            ScramMechanism mechanism = switch (name) {
                case "SCRAM-SHA-256" -> ScramMechanism.SCRAM_SHA_256;
                case "SCRAM-SHA-512" -> ScramMechanism.SCRAM_SHA_512;
                default -> throw invalid(user, "unknown SCRAM mechanism '" + name + "' (SCRAM-SHA-256 or SCRAM-SHA-512)");
            };
            int keyBytes = mechanism == ScramMechanism.SCRAM_SHA_256 ? 32 : 64;
            int iterations = credential.path("iterations").asInt(0);
            if (iterations < 1) {
                throw invalid(user, name + " needs iterations of 1 or more");
            }
            byte[] salt = bytes(user, credential, "salt", -1);
            hash = hash.withExportedScram(mechanism, new ScramCredential(salt, iterations,
                    bytes(user, credential, "stored_key", keyBytes), bytes(user, credential, "server_key", keyBytes)));
        }
        return hash;
    }

    private static byte[] bytes(String user, JsonNode credential, String field, int length) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(credential.path(field).asText(""));
        } catch (IllegalArgumentException e) {
            throw invalid(user, "SCRAM " + field + " is not base64");
        }
        if (bytes.length == 0 || (length > 0 && bytes.length != length)) {
            throw invalid(user, "SCRAM " + field + " must be " + (length > 0 ? length + " bytes" : "present")
                    + ", got " + bytes.length);
        }
        return bytes;
    }

    private static InvalidDefinitionsException invalid(String user, String text) {
        return new InvalidDefinitionsException("user '" + user + "': " + text);
    }
}
