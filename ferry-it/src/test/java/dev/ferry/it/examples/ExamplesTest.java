package dev.ferry.it.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.examples.DirectRouting;
import dev.ferry.examples.Example;
import dev.ferry.examples.ExampleResult;
import dev.ferry.examples.IdempotentPayments;
import dev.ferry.examples.OrderPipeline;
import dev.ferry.examples.OrderRetries;
import dev.ferry.examples.PeakSmoothing;
import dev.ferry.examples.PublishSubscribe;
import dev.ferry.examples.PublisherConfirms;
import dev.ferry.examples.RpcDirectReplyTo;
import dev.ferry.examples.TopicRouting;
import dev.ferry.examples.WorkQueue;
import dev.ferry.it.support.AmqpTarget;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every example in {@code ferry-examples} against the target broker, exactly as a user would
 * run it, and requires every check it makes to pass. The summary of each run is the failure
 * message, so a red test says which expectation the broker broke.
 */
@Timeout(120)
class ExamplesTest {
    private static final Duration SCENARIO_TIMEOUT = Duration.ofSeconds(30);

    private static ExampleResult run(Example example) throws Exception {
        return example.run(AmqpTarget.shared().connectionFactory(), SCENARIO_TIMEOUT);
    }

    private static void assertSucceeded(ExampleResult result) {
        System.out.print(result.summary()); // the report in the test's output, as a user running it sees it
        assertThat(result.succeeded()).as(result.summary()).isTrue();
    }

    @Test
    void shouldShareTasksFairlyAmongWorkersAndRedeliverATaskWhoseWorkerLeft() throws Exception {
        assertSucceeded(run(new WorkQueue()));
    }

    @Test
    void shouldFanEveryEventOutToEverySubscribersExclusiveQueue() throws Exception {
        assertSucceeded(run(new PublishSubscribe()));
    }

    @Test
    void shouldRouteLogMessagesBySeverityAndReturnUnroutableMandatoryOnes() throws Exception {
        assertSucceeded(run(new DirectRouting()));
    }

    @Test
    void shouldRouteByTopicPatternsIncludingTheirCorners() throws Exception {
        assertSucceeded(run(new TopicRouting()));
    }

    @Test
    void shouldAnswerRpcRequestsThroughDirectReplyTo() throws Exception {
        assertSucceeded(run(new RpcDirectReplyTo()));
    }

    @Test
    void shouldConfirmEveryPersistentMessageWithEachConfirmStrategy() throws Exception {
        assertSucceeded(run(new PublisherConfirms()));
    }

    @Test
    void shouldRetryBadOrdersWithBackoffParkThemAndReplayThemOnceFixed() throws Exception {
        AmqpTarget.shared().assumeFerryBehaviour("x-retry-delays is Ferry's own");
        assertSucceeded(run(new OrderRetries()));
    }

    @Test
    void shouldStoreResentPaymentsOnceAndApplyARedeliveredOneOnce() throws Exception {
        AmqpTarget.shared().assumeFerryBehaviour("x-message-deduplication is a plugin on RabbitMQ");
        assertSucceeded(run(new IdempotentPayments()));
    }

    @Test
    void shouldFanOrdersOutRetryAndParkFailedPaymentsAndChargeEachOrderOnce() throws Exception {
        AmqpTarget.shared().assumeFerryBehaviour("x-retry-delays is Ferry's own");
        assertSucceeded(run(new OrderPipeline()));
    }

    @Test
    void shouldAbsorbABurstOfOrdersThatOneWorkerDrainsAtItsOwnPace() throws Exception {
        assertSucceeded(run(new PeakSmoothing()));
    }
}
