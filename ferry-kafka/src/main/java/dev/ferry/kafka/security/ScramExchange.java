package dev.ferry.kafka.security;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.function.Function;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;

/**
 * The server side of one SCRAM-SHA-256/512 login (RFC 5802), on kafka-clients' message classes and
 * key arithmetic. It differs from Kafka 4's own server in one place, on purpose: the nonce of the
 * client's final message may be the one RFC 5802 asks for (client nonce + server nonce) or that one
 * with the client nonce written once more in front, which is what librdkafka before 2.6.1 sends
 * (Debian's kcat and confluent-kafka among them); Kafka 4 refuses those clients. Either form must
 * carry this exchange's fresh server nonce, and the proof is checked over the message as the client
 * sent it, so a replayed exchange still fails (what CVE-2024-56128 was about). Delegation tokens
 * are not served.
 */
final class ScramExchange implements SaslServer {
    private enum State { FIRST, FINAL, COMPLETE, FAILED }

    private final ScramMechanism mechanism;
    private final ScramFormatter formatter;
    private final Function<String, Optional<ScramCredential>> credentials;
    private State state = State.FIRST;
    private ClientFirstMessage clientFirst;
    private ServerFirstMessage serverFirst;
    private ScramCredential credential;
    private String username;

    /** @param credentials the credential stored for a user name, empty for an unknown user */
    ScramExchange(ScramMechanism mechanism, Function<String, Optional<ScramCredential>> credentials)
            throws NoSuchAlgorithmException {
        this.mechanism = mechanism;
        this.formatter = new ScramFormatter(mechanism);
        this.credentials = credentials;
    }

    @Override
    public byte[] evaluateResponse(byte[] response) throws SaslException {
        try {
            return switch (state) {
                case FIRST -> first(response);
                case FINAL -> last(response);
                case COMPLETE, FAILED -> throw new SaslException("the SCRAM exchange is over");
            };
        } catch (SaslException | RuntimeException e) {
            state = State.FAILED;
            credential = null;
            throw e;
        }
    }

    private byte[] first(byte[] response) throws SaslException {
        clientFirst = new ClientFirstMessage(response);
        if (clientFirst.extensions().tokenAuthenticated()) {
            throw new SaslException("delegation tokens are not served");
        }
        String name = ScramFormatter.username(clientFirst.saslName());
        String authorizationId = clientFirst.authorizationId();
        if (!authorizationId.isEmpty() && !authorizationId.equals(name)) {
            throw new SaslAuthenticationException(
                    "Authentication failed: Client requested an authorization id that is different from username");
        }
        credential = credentials.apply(name).orElseThrow(() -> new SaslException("unknown user or no SCRAM credential"));
        if (credential.iterations() < mechanism.minIterations()) {
            throw new SaslException("the stored credential has fewer iterations than " + mechanism + " allows");
        }
        username = name;
        serverFirst = new ServerFirstMessage(clientFirst.nonce(), formatter.secureRandomString(), credential.salt(),
                credential.iterations());
        state = State.FINAL;
        return serverFirst.toBytes();
    }

    private byte[] last(byte[] response) throws SaslException {
        ClientFinalMessage clientFinal = new ClientFinalMessage(response);
        String expected = serverFirst.nonce();
        String sent = clientFinal.nonce();
        if (!sent.equals(expected) && !sent.equals(clientFirst.nonce() + expected)) {
            throw new SaslException("the final message does not carry this exchange's nonce");
        }
        try {
            byte[] storedKey = credential.storedKey();
            byte[] clientSignature = formatter.clientSignature(storedKey, clientFirst, serverFirst, clientFinal);
            if (!MessageDigest.isEqual(storedKey, formatter.storedKey(clientSignature, clientFinal.proof()))) {
                throw new SaslException("wrong client proof");
            }
            byte[] serverSignature = formatter.serverSignature(credential.serverKey(), clientFirst, serverFirst, clientFinal);
            state = State.COMPLETE;
            credential = null;
            return new ServerFinalMessage(null, serverSignature).toBytes();
        } catch (InvalidKeyException e) {
            throw new SaslException("the client proof cannot be checked", e);
        }
    }

    @Override
    public String getMechanismName() {
        return mechanism.mechanismName();
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public String getAuthorizationID() {
        if (state != State.COMPLETE) {
            throw new IllegalStateException("the SCRAM exchange has not completed");
        }
        return username;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int length) {
        throw new IllegalStateException("SCRAM protects no data after the login");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int length) {
        throw new IllegalStateException("SCRAM protects no data after the login");
    }

    @Override
    public Object getNegotiatedProperty(String name) {
        return null;
    }

    @Override
    public void dispose() {
        credential = null;
    }
}
