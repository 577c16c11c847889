package dev.ferry.kafka.security;

import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.text.LogSafe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SaslAuthenticate: one token of the mechanism's exchange, answered with the server's next one. A
 * failed login is answered with SASL_AUTHENTICATION_FAILED and Kafka's text after a delay that grows
 * with the failures from the same address (Kafka waits a fixed
 * {@code connection.failed.authentication.delay.ms}), and the connection then closes. Sessions do
 * not expire (session lifetime 0: no re-authentication, as Kafka's default).
 */
public final class SaslAuthenticateHandler implements ApiHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SaslAuthenticateHandler.class);

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SASL_AUTHENTICATE;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 2;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        SaslAuthenticateRequestData data = (SaslAuthenticateRequestData) request;
        KafkaSession session = context.session();
        if (session == null) {
            return CompletableFuture.completedFuture(new SaslAuthenticateResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code()).setErrorMessage("no connection to authenticate"));
        }
        KafkaSession.Step step = session.authenticate(data.authBytes());
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData().setErrorCode(step.error().code())
                .setErrorMessage(step.message()).setAuthBytes(step.challenge()).setSessionLifetimeMs(0);
        if (step.error() == Errors.NONE) {
            session.user().ifPresent(user -> LOG.info("Kafka connection {} authenticated as '{}' with {}",
                    context.connection(), LogSafe.text(user), session.mechanism()));
            return CompletableFuture.completedFuture(response);
        }
        if (!session.failed()) {
            return CompletableFuture.completedFuture(response);
        }
        long delayMs = session.failedLoginDelayMs();
        LOG.warn("Kafka connection {} failed to log in with {}: {} (answered after {} ms)", context.connection(),
                session.mechanism(), LogSafe.text(step.message()), delayMs);
        CompletableFuture<ApiMessage> delayed = new CompletableFuture<>();
        context.eventLoop().schedule(() -> delayed.complete(response), delayMs, TimeUnit.MILLISECONDS);
        return delayed;
    }
}
