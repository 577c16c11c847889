package dev.ferry.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.access.PasswordHash.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

/**
 * SCRAM credentials set from a client's salted password (Kafka's AlterUserScramCredentials), per
 * mechanism, and what becomes of the user's password for the other protocols.
 */
class PasswordHashTest {
    private static final byte[] SALT = "a-salt-of-16-byt".getBytes(StandardCharsets.US_ASCII);

    /** RFC 5802's Hi() is PBKDF2 with one block of the HMAC's length: what a Kafka client sends as the salted password. */
    private static byte[] salted(ScramMechanism mechanism, String password, int iterations) throws Exception {
        boolean sha256 = mechanism == ScramMechanism.SCRAM_SHA_256;
        SecretKeyFactory factory = SecretKeyFactory.getInstance(sha256 ? "PBKDF2WithHmacSHA256" : "PBKDF2WithHmacSHA512");
        return factory.generateSecret(new PBEKeySpec(password.toCharArray(), SALT, iterations, sha256 ? 256 : 512))
                .getEncoded();
    }

    private static PasswordHash.ScramCredential credential(ScramMechanism mechanism, String password) throws Exception {
        return PasswordHash.scramCredential(mechanism, SALT, 8192, salted(mechanism, password, 8192));
    }

    @Test
    void shouldMakeTheNewScramSha256PasswordThePasswordEverywhere() throws Exception {
        PasswordHash old = PasswordHash.of("old-pass");

        PasswordHash changed = old.withScram(ScramMechanism.SCRAM_SHA_256, credential(ScramMechanism.SCRAM_SHA_256, "new-pass"));

        assertThat(changed.matches("new-pass")).isTrue();
        assertThat(changed.matches("old-pass")).as("the RabbitMQ form of the old password is gone").isFalse();
        assertThat(changed.rabbitSha256()).isEmpty();
        assertThat(changed.scram(ScramMechanism.SCRAM_SHA_256).orElseThrow().iterations()).isEqualTo(8192);
        assertThat(changed.scram(ScramMechanism.SCRAM_SHA_512)).as("the other mechanism's credential stays")
                .get().extracting(PasswordHash.ScramCredential::iterations).isEqualTo(PasswordHash.SCRAM_ITERATIONS);
    }

    @Test
    void shouldKeepScramSha512ApartAndDeleteEachMechanismAlone() throws Exception {
        PasswordHash old = PasswordHash.of("old-pass");
        PasswordHash.ScramCredential sha512 = credential(ScramMechanism.SCRAM_SHA_512, "other-pass");

        PasswordHash changed = old.withScram(ScramMechanism.SCRAM_SHA_512, sha512);

        assertThat(changed.matches("old-pass")).as("SCRAM-SHA-512 is not the password of the other protocols").isTrue();
        assertThat(changed.scram(ScramMechanism.SCRAM_SHA_512).orElseThrow().storedKey()).isEqualTo(sha512.storedKey());
        PasswordHash without256 = changed.withScram(ScramMechanism.SCRAM_SHA_256, null);
        assertThat(without256.scram(ScramMechanism.SCRAM_SHA_256)).isEmpty();
        assertThat(without256.matches("old-pass")).as("the RabbitMQ form still checks the password").isTrue();
        assertThat(without256.withScram(ScramMechanism.SCRAM_SHA_512, null).scram(ScramMechanism.SCRAM_SHA_512)).isEmpty();
        assertThat(PasswordHash.NONE.withScram(ScramMechanism.SCRAM_SHA_512, sha512).matches("other-pass"))
                .as("a user with SCRAM-SHA-512 only has no password for PLAIN or AMQP").isFalse();
    }

    @Test
    void shouldDeriveTheKeysAPasswordOfItsOwnWouldHave() throws Exception {
        // The same password, salt and iterations through both paths give the same stored key.
        PasswordHash fromClient = PasswordHash.NONE.withScram(ScramMechanism.SCRAM_SHA_256,
                PasswordHash.scramCredential(ScramMechanism.SCRAM_SHA_256, SALT, PasswordHash.SCRAM_ITERATIONS,
                        salted(ScramMechanism.SCRAM_SHA_256, "pw", PasswordHash.SCRAM_ITERATIONS)));
        assertThat(fromClient.matches("pw")).isTrue();
        assertThat(fromClient.matches("pw2")).isFalse();
    }

    @Test
    void shouldStoreAndKeepACredentialMadeThroughUpdateUser() throws Exception {
        AccessControl access = AccessControl.inMemory(null, Set.of());
        PasswordHash.ScramCredential sha256 = credential(ScramMechanism.SCRAM_SHA_256, "carol-pass");

        assertThat(access.updateUser("carol", user -> user == null
                ? new User("carol", Set.of(), PasswordHash.NONE.withScram(ScramMechanism.SCRAM_SHA_256, sha256)) : user)
                .get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(access.updateUser("nobody", user -> null).get(10, TimeUnit.SECONDS)).isFalse();

        assertThat(access.user("carol").orElseThrow().hash().matches("carol-pass")).isTrue();
        assertThat(access.user("nobody")).isEmpty();
    }

    @Test
    void shouldRestoreExportedCredentialsBesideThePasswordTheyBelongTo() {
        PasswordHash original = PasswordHash.of("pw");
        PasswordHash fromRabbit = PasswordHash.fromRabbitSha256(original.rabbitSha256().orElseThrow());
        assertThat(fromRabbit.scram(ScramMechanism.SCRAM_SHA_256)).isEmpty();

        PasswordHash restored = fromRabbit
                .withExportedScram(ScramMechanism.SCRAM_SHA_256, original.scram(ScramMechanism.SCRAM_SHA_256).orElseThrow())
                .withExportedScram(ScramMechanism.SCRAM_SHA_512, original.scram(ScramMechanism.SCRAM_SHA_512).orElseThrow());

        assertThat(restored.rabbitSha256()).isEqualTo(original.rabbitSha256());
        assertThat(restored.scram(ScramMechanism.SCRAM_SHA_256).orElseThrow().storedKey())
                .isEqualTo(original.scram(ScramMechanism.SCRAM_SHA_256).orElseThrow().storedKey());
        assertThat(restored.scram(ScramMechanism.SCRAM_SHA_512).orElseThrow().serverKey())
                .isEqualTo(original.scram(ScramMechanism.SCRAM_SHA_512).orElseThrow().serverKey());
        assertThat(restored.matches("pw")).isTrue();
        assertThat(restored.matches(null)).isFalse();
        assertThat(PasswordHash.scramName(ScramMechanism.SCRAM_SHA_256)).isEqualTo("SCRAM-SHA-256");
        assertThat(PasswordHash.scramName(ScramMechanism.SCRAM_SHA_512)).isEqualTo("SCRAM-SHA-512");
    }
}
