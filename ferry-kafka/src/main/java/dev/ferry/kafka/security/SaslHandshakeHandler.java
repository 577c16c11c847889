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
 * SaslHandshake: the client names its mechanism; the answer lists those enabled. Only version 1 is
 * served: after it the mechanism's tokens travel in SaslAuthenticate requests (version 0's raw
 * tokens on the socket belong to clients older than Kafka 1.0, which Kafka 4 no longer serves either).
 */
public final class SaslHandshakeHandler implements ApiHandler {
    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SASL_HANDSHAKE;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 1;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        SaslHandshakeRequestData data = (SaslHandshakeRequestData) request;
        KafkaSession session = context.session();
        Errors error = session == null ? Errors.ILLEGAL_SASL_STATE : session.handshake(data.mechanism());
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setErrorCode(error.code());
        if (session != null) {
            response.setMechanisms(session.mechanisms());
        }
        return CompletableFuture.completedFuture(response);
    }
}
