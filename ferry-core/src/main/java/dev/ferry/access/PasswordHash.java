package dev.ferry.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A user's password, kept only as salted hashes, in up to three forms:
 * <ul>
 *   <li><b>SCRAM-SHA-256</b> and <b>SCRAM-SHA-512</b> credentials (RFC 5802 / RFC 7677): salt,
 *       iteration count, StoredKey and ServerKey, so that a SCRAM exchange (Kafka's SASL SCRAM-SHA-256
 *       and SCRAM-SHA-512) can be served without the password;</li>
 *   <li><b>RabbitMQ's {@code rabbit_password_hashing_sha256}</b> form:
 *       {@code base64(salt[4] ++ SHA-256(salt[4] ++ utf8(password)))}, the {@code password_hash} of a
 *       RabbitMQ definitions file, so a user imported from RabbitMQ keeps its password.</li>
 * </ul>
 * A hash made from a password ({@link #of(String)}) has all; one imported from RabbitMQ has only the
 * last (SCRAM needs the password itself, which RabbitMQ does not keep); {@link #NONE} has neither
 * and matches no password (RabbitMQ's user without a password, who can only log in by other means).
 *
 * <p>Immutable. Its arrays never leave it without a copy.
 */
public final class PasswordHash {
    /** RFC 7677 asks for at least 4096 iterations. */
    public static final int SCRAM_ITERATIONS = 4096;
    private static final int SCRAM_SALT_BYTES = 16;
    private static final int RABBIT_SALT_BYTES = 4;
    private static final int SHA256_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** No password: nothing matches it. */
    public static final PasswordHash NONE = new PasswordHash(null, 0, null, null, null, null);

    private final byte[] scramSalt;
    private final int scramIterations;
    private final byte[] storedKey;
    private final byte[] serverKey;
    private final byte[] rabbitSha256;
    /** SCRAM-SHA-512's credentials; null for a hash stored before Ferry kept them, or imported. */
    private final ScramCredential scramSha512;

    private PasswordHash(byte[] scramSalt, int scramIterations, byte[] storedKey, byte[] serverKey,
                         byte[] rabbitSha256, ScramCredential scramSha512) {
        this.scramSalt = scramSalt;
        this.scramIterations = scramIterations;
        this.storedKey = storedKey;
        this.serverKey = serverKey;
        this.rabbitSha256 = rabbitSha256;
        this.scramSha512 = scramSha512;
    }

    /** Both forms of {@code password}, with fresh random salts. */
    public static PasswordHash of(String password) {
        return of(password, RANDOM);
    }

    /** As {@link #of(String)}, salts drawn from {@code random} (tests pass a seeded one). */
    public static PasswordHash of(String password, Random random) {
        byte[] utf8 = password.getBytes(StandardCharsets.UTF_8);
        byte[] salt = new byte[SCRAM_SALT_BYTES];
        random.nextBytes(salt);
        byte[] salted = hi(SHA256, utf8, salt, SCRAM_ITERATIONS);
        byte[] clientKey = hmac(SHA256, salted, "Client Key");
        byte[] rabbitSalt = new byte[RABBIT_SALT_BYTES];
        random.nextBytes(rabbitSalt);
        byte[] salt512 = new byte[SCRAM_SALT_BYTES];
        random.nextBytes(salt512);
        byte[] salted512 = hi(SHA512, utf8, salt512, SCRAM_ITERATIONS);
        ScramCredential sha512 = new ScramCredential(salt512, SCRAM_ITERATIONS,
                digest("SHA-512").digest(hmac(SHA512, salted512, "Client Key")), hmac(SHA512, salted512, "Server Key"));
        return new PasswordHash(salt, SCRAM_ITERATIONS, sha256(clientKey), hmac(SHA256, salted, "Server Key"),
                rabbitForm(rabbitSalt, utf8), sha512);
    }

    /**
     * A RabbitMQ {@code password_hash} made with {@code rabbit_password_hashing_sha256}.
     *
     * @throws IllegalArgumentException if it is not base64 of 4 salt bytes and a SHA-256 digest
     */
    public static PasswordHash fromRabbitSha256(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("password_hash is not base64");
        }
        if (bytes.length != RABBIT_SALT_BYTES + SHA256_BYTES) {
            throw new IllegalArgumentException("password_hash must be 4 bytes of salt and a SHA-256 digest (36 bytes), "
                    + "got " + bytes.length + " bytes");
        }
        return new PasswordHash(null, 0, null, null, bytes, null);
    }

    /** The hash as stored: any part may be null (absent). */
    static PasswordHash stored(byte[] scramSalt, int scramIterations, byte[] storedKey, byte[] serverKey,
                               byte[] rabbitSha256) {
        return stored(scramSalt, scramIterations, storedKey, serverKey, rabbitSha256, null);
    }

    /** The hash as stored, with SCRAM-SHA-512's credentials (null: none). */
    static PasswordHash stored(byte[] scramSalt, int scramIterations, byte[] storedKey, byte[] serverKey,
                               byte[] rabbitSha256, ScramCredential scramSha512) {
        if ((scramSalt == null) != (storedKey == null) || (storedKey == null) != (serverKey == null)) {
            throw new IllegalArgumentException("SCRAM credentials are incomplete");
        }
        return new PasswordHash(scramSalt, scramIterations, storedKey, serverKey, rabbitSha256, scramSha512);
    }

    /**
     * Whether {@code password} is this password. Uses the RabbitMQ form when present (one digest),
     * else the SCRAM StoredKey (the iterations); both comparisons take constant time.
     */
    public boolean matches(String password) {
        if (password == null) {
            return false;
        }
        byte[] utf8 = password.getBytes(StandardCharsets.UTF_8);
        if (rabbitSha256 != null) {
            byte[] salt = Arrays.copyOf(rabbitSha256, RABBIT_SALT_BYTES);
            return MessageDigest.isEqual(rabbitSha256, rabbitForm(salt, utf8));
        }
        if (storedKey != null) {
            byte[] salted = hi(SHA256, utf8, scramSalt, scramIterations);
            return MessageDigest.isEqual(storedKey, sha256(hmac(SHA256, salted, "Client Key")));
        }
        return false;
    }

    /** The SCRAM-SHA-256 credentials, absent for a hash imported from RabbitMQ. */
    public Optional<ScramCredential> scramSha256() {
        if (storedKey == null) {
            return Optional.empty();
        }
        return Optional.of(new ScramCredential(scramSalt.clone(), scramIterations, storedKey.clone(), serverKey.clone()));
    }

    /** The SCRAM-SHA-512 credentials, absent for a hash imported from RabbitMQ or stored before Ferry kept them. */
    public Optional<ScramCredential> scramSha512() {
        return Optional.ofNullable(scramSha512).map(c -> new ScramCredential(c.salt().clone(), c.iterations(),
                c.storedKey().clone(), c.serverKey().clone()));
    }

    /** The SCRAM-SHA-512 credentials as stored (no copy), or null. */
    ScramCredential scramSha512Stored() {
        return scramSha512;
    }

    /** The two SCRAM mechanisms Ferry keeps credentials for, with Kafka's wire codes. */
    public enum ScramMechanism {
        SCRAM_SHA_256(1, SHA256, "SHA-256"), SCRAM_SHA_512(2, SHA512, "SHA-512");

        private final byte kafkaCode;
        private final String hmac;
        private final String digest;

        ScramMechanism(int kafkaCode, String hmac, String digest) {
            this.kafkaCode = (byte) kafkaCode;
            this.hmac = hmac;
            this.digest = digest;
        }

        /** Kafka's {@code ScramMechanism} type code (1 and 2). */
        public byte kafkaCode() {
            return kafkaCode;
        }
    }

    /**
     * The credential RFC 5802 keeps for a password salted by a client (Kafka's
     * AlterUserScramCredentials sends the salted password, never the password): the stored key and
     * server key derived from it.
     */
    public static ScramCredential scramCredential(ScramMechanism mechanism, byte[] salt, int iterations,
                                                  byte[] saltedPassword) {
        byte[] clientKey = hmac(mechanism.hmac, saltedPassword, "Client Key");
        return new ScramCredential(salt.clone(), iterations, digest(mechanism.digest).digest(clientKey),
                hmac(mechanism.hmac, saltedPassword, "Server Key"));
    }

    /** The credential kept for {@code mechanism}, if any (a copy). */
    public Optional<ScramCredential> scram(ScramMechanism mechanism) {
        return mechanism == ScramMechanism.SCRAM_SHA_256 ? scramSha256() : scramSha512();
    }

    /**
     * This hash with {@code mechanism}'s credential replaced ({@code credential}) or removed (null).
     * Replacing SCRAM-SHA-256 drops the RabbitMQ form, which belongs to the password it replaced:
     * password checks (AMQP, HTTP, Kafka PLAIN) then go by the new SCRAM-SHA-256 credential, so
     * the password a Kafka admin set works everywhere. SCRAM-SHA-512 stands alone, as each
     * mechanism's credential does in Kafka.
     */
    public PasswordHash withScram(ScramMechanism mechanism, ScramCredential credential) {
        if (mechanism == ScramMechanism.SCRAM_SHA_512) {
            return new PasswordHash(scramSalt, scramIterations, storedKey, serverKey, rabbitSha256, credential == null
                    ? null : new ScramCredential(credential.salt().clone(), credential.iterations(),
                    credential.storedKey().clone(), credential.serverKey().clone()));
        }
        if (credential == null) {
            return new PasswordHash(null, 0, null, null, rabbitSha256, scramSha512);
        }
        return new PasswordHash(credential.salt().clone(), credential.iterations(), credential.storedKey().clone(),
                credential.serverKey().clone(), null, scramSha512);
    }

    /**
     * This hash with {@code mechanism}'s credential set as a definitions export carries it: beside
     * the other forms, which belong to the same password (unlike {@link #withScram}, which takes a
     * new password's credential and so drops the RabbitMQ form of the old one).
     */
    public PasswordHash withExportedScram(ScramMechanism mechanism, ScramCredential credential) {
        ScramCredential copy = new ScramCredential(credential.salt().clone(), credential.iterations(),
                credential.storedKey().clone(), credential.serverKey().clone());
        if (mechanism == ScramMechanism.SCRAM_SHA_512) {
            return new PasswordHash(scramSalt, scramIterations, storedKey, serverKey, rabbitSha256, copy);
        }
        return new PasswordHash(copy.salt(), copy.iterations(), copy.storedKey(), copy.serverKey(), rabbitSha256,
                scramSha512);
    }

    /** The SCRAM names Kafka and the definitions export use: {@code SCRAM-SHA-256}, {@code SCRAM-SHA-512}. */
    public static String scramName(ScramMechanism mechanism) {
        return mechanism == ScramMechanism.SCRAM_SHA_256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
    }

    /** RabbitMQ's {@code password_hash} ({@code rabbit_password_hashing_sha256}), if this hash has that form. */
    public Optional<String> rabbitSha256() {
        return rabbitSha256 == null ? Optional.empty() : Optional.of(Base64.getEncoder().encodeToString(rabbitSha256));
    }

    byte[] scramSaltBytes() {
        return scramSalt;
    }

    int scramIterations() {
        return scramIterations;
    }

    byte[] storedKeyBytes() {
        return storedKey;
    }

    byte[] serverKeyBytes() {
        return serverKey;
    }

    byte[] rabbitSha256Bytes() {
        return rabbitSha256;
    }

    /** SCRAM credentials as RFC 5802 names them; the arrays are copies. */
    public record ScramCredential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
    }

    private static byte[] rabbitForm(byte[] salt, byte[] utf8) {
        MessageDigest digest = sha256Digest();
        digest.update(salt);
        digest.update(utf8);
        byte[] out = new byte[RABBIT_SALT_BYTES + SHA256_BYTES];
        System.arraycopy(salt, 0, out, 0, RABBIT_SALT_BYTES);
        System.arraycopy(digest.digest(), 0, out, RABBIT_SALT_BYTES, SHA256_BYTES);
        return out;
    }

    private static final String SHA256 = "HmacSHA256";
    private static final String SHA512 = "HmacSHA512";

    /** RFC 5802's Hi(): PBKDF2 with the HMAC {@code algorithm} and one block. */
    private static byte[] hi(String algorithm, byte[] password, byte[] salt, int iterations) {
        Mac mac = mac(algorithm, password);
        mac.update(salt);
        byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    private static byte[] hmac(String algorithm, byte[] key, String text) {
        return mac(algorithm, key).doFinal(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static Mac mac(String algorithm, byte[] key) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            // An empty password is a valid key for HMAC, but SecretKeySpec refuses empty keys.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        return sha256Digest().digest(bytes);
    }

    private static MessageDigest sha256Digest() {
        return digest("SHA-256");
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "PasswordHash[" + (storedKey != null ? "scram-sha-256" : "") + (scramSha512 != null ? " scram-sha-512" : "") + (rabbitSha256 != null ? " rabbit-sha256" : "")
                + (storedKey == null && rabbitSha256 == null ? "none" : "") + "]";
    }
}
