package dev.ferry.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client guessing passwords is slowed down: each failed login from an address makes the next
 * answers to that address wait longer (200 ms, doubling, at most 5 s), on a timer rather than a
 * blocked thread; the right password still gets in, and the failures are logged with the user and
 * the address. Ferry only: RabbitMQ answers a wrong password at once. The broker is this test's own,
 * so that its delays slow no other test.
 *
 * <p>Only lower bounds on time are asserted: a slow machine makes the waits longer, never shorter.
 */
class LoginDelayTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldMakeEachFailedLoginFromAnAddressWaitLongerThanTheOneBefore() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            ConnectionFactory guessing = factory(broker, "guest", "wrong");
            long[] tookMs = new long[6];
            for (int attempt = 0; attempt < tookMs.length; attempt++) {
                long start = System.nanoTime();
                Throwable refused = catchThrowable(guessing::newConnection);
                tookMs[attempt] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(refused).isInstanceOf(AuthenticationFailureException.class);
            }
            // Attempt n (from 1) waits 200 ms * 2^(n-1) for the n failures before it.
            for (int attempt = 1; attempt < tookMs.length; attempt++) {
                assertThat(tookMs[attempt]).as("attempt %d after %d failures", attempt + 1, attempt)
                        .isGreaterThanOrEqualTo(Math.min(5000, 200L << (attempt - 1)));
            }
            // Six guesses took at least 200 + 400 + 800 + 1600 + 3200 ms; unthrottled they took milliseconds.
            // The right password still gets in (after its wait).
            factory(broker, "guest", "guest").newConnection().close();
            assertThat(broker.output()).anyMatch(line -> line.contains("login failed for user 'guest'")
                    && line.contains("127.0.0.1"));
        }
    }

    private static ConnectionFactory factory(BrokerProcess broker, String user, String password) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setUsername(user);
        factory.setPassword(password);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(20_000);
        factory.setHandshakeTimeout(20_000);
        return factory;
    }
}
