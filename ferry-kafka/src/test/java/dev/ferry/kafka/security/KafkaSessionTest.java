package dev.ferry.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.SaslClient;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramExtensionsCallback;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KafkaSessionTest {
    private static final SocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    /** alice/secret with SCRAM credentials for both mechanisms; anonymous clients only when allowed. */
    private static final class Users implements KafkaCredentials {
        final Map<ScramMechanism, ScramCredential> scram = new HashMap<>();
        final List<SocketAddress> failures = new ArrayList<>();
        final List<SocketAddress> successes = new ArrayList<>();
        boolean anonymousAllowed = true;

        Users() throws Exception {
            for (ScramMechanism mechanism : ScramMechanism.values()) {
                scram.put(mechanism, new ScramFormatter(mechanism).generateCredential("secret", 4096));
            }
        }

        @Override
        public boolean passwordMatches(String username, String password, SocketAddress from) {
            return "alice".equals(username) && "secret".equals(password);
        }

        @Override
        public Optional<ScramCredential> scramCredential(ScramMechanism mechanism, String username, SocketAddress from) {
            return "alice".equals(username) ? Optional.of(scram.get(mechanism)) : Optional.empty();
        }

        @Override
        public Optional<String> anonymousUser(SocketAddress from) {
            return anonymousAllowed ? Optional.of("guest") : Optional.empty();
        }

        @Override
        public long failedLoginDelayMs(SocketAddress from) {
            failures.add(from);
            return 100L * failures.size();
        }

        @Override
        public void loginSucceeded(SocketAddress from) {
            successes.add(from);
        }
    }

    private static KafkaSession sasl(Users users) {
        return KafkaSession.open(new KafkaAuthentication(true, KafkaAuthentication.ALL_MECHANISMS, users), CLIENT);
    }

    @Test
    void shouldActAsTheAnonymousUserOnPlaintextOrBeRefused() throws Exception {
        Users users = new Users();
        KafkaSession session = KafkaSession.open(new KafkaAuthentication(false, List.of(), users), CLIENT);
        assertThat(session.refused()).isFalse();
        assertThat(session.user()).contains("guest");
        assertThat(session.mayServe(ApiKeys.PRODUCE)).isTrue();
        assertThat(session.handshake("PLAIN")).isEqualTo(Errors.ILLEGAL_SASL_STATE);

        users.anonymousAllowed = false;
        KafkaSession refused = KafkaSession.open(new KafkaAuthentication(false, List.of(), users), CLIENT);
        assertThat(refused.refused()).isTrue();
        assertThat(refused.mayServe(ApiKeys.API_VERSIONS)).isFalse();
    }

    @Test
    void shouldServeOnlyTheLoginBeforeAuthentication() throws Exception {
        KafkaSession session = sasl(new Users());
        assertThat(session.user()).isEmpty();
        assertThat(session.mayServe(ApiKeys.API_VERSIONS)).isTrue();
        assertThat(session.mayServe(ApiKeys.SASL_HANDSHAKE)).isTrue();
        assertThat(session.mayServe(ApiKeys.SASL_AUTHENTICATE)).isFalse();
        assertThat(session.mayServe(ApiKeys.METADATA)).isFalse();
        assertThat(session.handshake("PLAIN")).isEqualTo(Errors.NONE);
        assertThat(session.mayServe(ApiKeys.SASL_AUTHENTICATE)).isTrue();
        assertThat(session.mayServe(ApiKeys.PRODUCE)).isFalse();
    }

    @Test
    void shouldRefuseAMechanismNotEnabled() throws Exception {
        KafkaSession session = KafkaSession.open(new KafkaAuthentication(true, List.of("SCRAM-SHA-512"), new Users()), CLIENT);
        assertThat(session.handshake("PLAIN")).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM);
        assertThat(session.failed()).isTrue();
        assertThat(session.mechanisms()).containsExactly("SCRAM-SHA-512");
        assertThat(session.mayServe(ApiKeys.SASL_AUTHENTICATE)).isFalse();
    }

    @Test
    void shouldFailAVersionZeroHandshake() throws Exception {
        KafkaSession session = sasl(new Users());
        assertThat(session.refuseHandshake()).isEqualTo(Errors.UNSUPPORTED_VERSION);
        assertThat(session.failed()).isTrue();
        assertThat(session.handshake("PLAIN")).isEqualTo(Errors.ILLEGAL_SASL_STATE);
    }

    @Test
    void shouldLogInWithPlain() throws Exception {
        Users users = new Users();
        KafkaSession session = sasl(users);
        session.handshake("PLAIN");
        KafkaSession.Step step = session.authenticate("\0alice\0secret".getBytes(StandardCharsets.UTF_8));
        assertThat(step.error()).isEqualTo(Errors.NONE);
        assertThat(session.user()).contains("alice");
        assertThat(session.mayServe(ApiKeys.PRODUCE)).isTrue();
        assertThat(users.successes).containsExactly(CLIENT);
        assertThat(session.authenticate(new byte[0]).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(session.handshake("PLAIN")).isEqualTo(Errors.ILLEGAL_SASL_STATE);
    }

    @Test
    void shouldFailAWrongPlainPasswordWithKafkasText() throws Exception {
        Users users = new Users();
        KafkaSession session = sasl(users);
        session.handshake("PLAIN");
        KafkaSession.Step step = session.authenticate("\0alice\0guess".getBytes(StandardCharsets.UTF_8));
        assertThat(step.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(step.message()).isEqualTo("Authentication failed: Invalid username or password");
        assertThat(session.failed()).isTrue();
        assertThat(session.user()).isEmpty();
        assertThat(session.mayServe(ApiKeys.METADATA)).isFalse();
        assertThat(session.failedLoginDelayMs()).isEqualTo(100);
        assertThat(users.successes).isEmpty();
    }

    @Test
    void shouldFailGarbageAsAPlainToken() throws Exception {
        KafkaSession session = sasl(new Users());
        session.handshake("PLAIN");
        KafkaSession.Step step = session.authenticate("no separators".getBytes(StandardCharsets.UTF_8));
        assertThat(step.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(session.failed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void shouldLogInWithScram(ScramMechanism mechanism) throws Exception {
        KafkaSession session = sasl(new Users());
        assertThat(session.handshake(mechanism.mechanismName())).isEqualTo(Errors.NONE);
        SaslClient client = scramClient(mechanism, "alice", "secret");
        KafkaSession.Step first = session.authenticate(client.evaluateChallenge(new byte[0]));
        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(session.user()).isEmpty();
        KafkaSession.Step last = session.authenticate(client.evaluateChallenge(first.challenge()));
        assertThat(last.error()).isEqualTo(Errors.NONE);
        client.evaluateChallenge(last.challenge()); // checks the server's signature: the server knew the key
        assertThat(client.isComplete()).isTrue();
        assertThat(session.user()).contains("alice");
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void shouldFailScramWithAWrongPasswordOrAnUnknownUser(ScramMechanism mechanism) throws Exception {
        KafkaSession wrongPassword = sasl(new Users());
        wrongPassword.handshake(mechanism.mechanismName());
        SaslClient client = scramClient(mechanism, "alice", "guess");
        KafkaSession.Step first = wrongPassword.authenticate(client.evaluateChallenge(new byte[0]));
        KafkaSession.Step last = wrongPassword.authenticate(client.evaluateChallenge(first.challenge()));
        assertThat(last.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        String text = "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                + mechanism.mechanismName();
        assertThat(last.message()).isEqualTo(text);

        KafkaSession unknownUser = sasl(new Users());
        unknownUser.handshake(mechanism.mechanismName());
        KafkaSession.Step refused = unknownUser.authenticate(scramClient(mechanism, "mallory", "secret")
                .evaluateChallenge(new byte[0]));
        assertThat(refused.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(refused.message()).isEqualTo(text);
    }

    @Test
    void shouldAcceptTheFinalNonceOldLibrdkafkaSends() throws Exception {
        KafkaSession session = sasl(new Users());
        session.handshake("SCRAM-SHA-256");
        // librdkafka before 2.6.1 writes its own nonce once more in front of the server's (which already starts with it).
        KafkaSession.Step last = finishScram(session, "secret", (clientNonce, serverNonce) -> clientNonce + serverNonce);
        assertThat(last.error()).isEqualTo(Errors.NONE);
        assertThat(session.user()).contains("alice");
    }

    @Test
    void shouldRefuseAFinalMessageWithoutThisExchangesNonce() throws Exception {
        KafkaSession session = sasl(new Users());
        session.handshake("SCRAM-SHA-256");
        // A proof made for another exchange (a replay) names that exchange's nonce: the password is right, the nonce is not.
        KafkaSession.Step last = finishScram(session, "secret", (clientNonce, serverNonce) -> clientNonce + "0ther5erverN0nce");
        assertThat(last.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(session.user()).isEmpty();
    }

    private static KafkaSession.Step finishScram(KafkaSession session, String password,
                                                 java.util.function.BinaryOperator<String> finalNonce) throws Exception {
        ScramFormatter formatter = new ScramFormatter(ScramMechanism.SCRAM_SHA_256);
        ScramMessages.ClientFirstMessage first = new ScramMessages.ClientFirstMessage("alice", "c1ientN0nce", Map.of());
        KafkaSession.Step answer = session.authenticate(first.toBytes());
        assertThat(answer.error()).isEqualTo(Errors.NONE);
        ScramMessages.ServerFirstMessage serverFirst = new ScramMessages.ServerFirstMessage(answer.challenge());
        ScramMessages.ClientFinalMessage last = new ScramMessages.ClientFinalMessage(
                "n,,".getBytes(StandardCharsets.UTF_8), finalNonce.apply(first.nonce(), serverFirst.nonce()));
        byte[] salted = formatter.saltedPassword(password, serverFirst.salt(), serverFirst.iterations());
        last.proof(formatter.clientProof(salted, first, serverFirst, last));
        return session.authenticate(last.toBytes());
    }

    private static SaslClient scramClient(ScramMechanism mechanism, String user, String password) throws Exception {
        return new ScramSaslClient(mechanism, callbacks -> {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    name.setName(user);
                } else if (callback instanceof PasswordCallback secret) {
                    secret.setPassword(password.toCharArray());
                } else if (callback instanceof ScramExtensionsCallback extensions) {
                    extensions.extensions(Map.of());
                }
            }
        });
    }
}
