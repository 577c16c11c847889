package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import org.junit.jupiter.api.Test;

/** How core refusals become RabbitMQ's management error documents. */
class ApiExceptionTest {

    @Test
    void shouldDropTheAmqpCodeNameFromABadRequestsReason() {
        ApiException mapped = ApiException.from(BrokerException.preconditionFailed(
                "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/': received 'false' but current is 'true'"));

        assertThat(mapped.status()).isEqualTo(400);
        assertThat(mapped.error()).isEqualTo("bad_request");
        assertThat(mapped.reason()).isEqualTo("inequivalent arg 'durable' for queue 'q' in vhost '/': received 'false' but current is 'true'");
    }

    @Test
    void shouldKeepAReasonWithoutACodeName() {
        assertThat(ApiException.from(new BrokerException(ErrorCode.COMMAND_INVALID, "unknown exchange type 'x'")).reason())
                .isEqualTo("unknown exchange type 'x'");
    }

    @Test
    void shouldMapNotFoundAndAccessRefusedAsRabbitMqDoes() {
        ApiException missing = ApiException.from(BrokerException.notFound("NOT_FOUND - no queue 'q' in vhost '/'"));
        ApiException refused = ApiException.from(BrokerException.accessRefused("ACCESS_REFUSED - deletion of system exchange"));

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).isEqualTo("Object Not Found");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.error()).isEqualTo("not_authorised");
        assertThat(refused.reason()).isEqualTo("Access refused.");
    }
}
