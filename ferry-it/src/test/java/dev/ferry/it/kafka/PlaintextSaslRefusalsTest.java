package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A SASL login attempted on a PLAINTEXT listener, where there is nothing to log in to: each step
 * is answered ILLEGAL_SASL_STATE, the handshake naming no mechanism, and the connection goes on, as
 * with Kafka 4.3.1 ({@code -Dferry.it.kafka=HOST:PORT}).
 */
class PlaintextSaslRefusalsTest extends RawRequestTestBase {
    @Test
    void shouldRefuseALoginOutsideOneAndCarryOn() throws Exception {
        SaslHandshakeResponseData handshake = raw.exchange(ApiKeys.SASL_HANDSHAKE, (short) 1,
                new SaslHandshakeRequestData().setMechanism("PLAIN"), new SaslHandshakeResponseData());
        assertThat(Errors.forCode(handshake.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(handshake.mechanisms()).isEmpty();

        SaslAuthenticateResponseData authenticate = raw.exchange(ApiKeys.SASL_AUTHENTICATE, (short) 2,
                new SaslAuthenticateRequestData().setAuthBytes("\0user\0secret".getBytes(StandardCharsets.UTF_8)),
                new SaslAuthenticateResponseData());
        assertThat(Errors.forCode(authenticate.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(authenticate.errorMessage()).isEqualTo("SaslAuthenticate request received after successful authentication");

        MetadataResponseData metadata = raw.exchange(ApiKeys.METADATA, (short) 12,
                new MetadataRequestData().setTopics(List.of()), new MetadataResponseData());
        assertThat(metadata.brokers()).hasSize(1);
    }
}
