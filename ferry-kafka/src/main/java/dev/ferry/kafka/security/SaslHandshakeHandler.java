package dev.ferry.kafka.security;

import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * SaslHandshake: the client names its mechanism; the answer lists those enabled. Versions 0 and 1
 * are advertised, because librdkafka takes a range without 0 for a broker that has no SASL at all;
 * but only a version 1 handshake goes on, with the mechanism's tokens in SaslAuthenticate requests.
 * A version 0 handshake (after which a client older than Kafka 1.0 would write raw tokens on the
 * socket) is answered with UNSUPPORTED_VERSION and the connection closes.
 */
public final class SaslHandshakeHandler implements ApiHandler {
    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SASL_HANDSHAKE;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 1;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        SaslHandshakeRequestData data = (SaslHandshakeRequestData) request;
        KafkaSession session = context.session();
        Errors error;
        if (session == null) {
            error = Errors.ILLEGAL_SASL_STATE;
        } else if (context.apiVersion() == 0) {
            error = session.refuseHandshake();
        } else {
            error = session.handshake(data.mechanism());
        }
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setErrorCode(error.code());
        // A handshake outside the login (on a PLAINTEXT listener, or once logged in) names no
        // mechanism, as Kafka 4.3.1's answer; within it, the mechanisms the client may choose.
        if (session != null && error != Errors.ILLEGAL_SASL_STATE) {
            response.setMechanisms(session.mechanisms());
        }
        return CompletableFuture.completedFuture(response);
    }
}
