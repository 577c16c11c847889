package dev.ferry.it.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.AmqpTarget;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Debian's pika (python3-pika 1.2) against the target broker: each script under
 * {@code src/test/python} checks the broker's answers itself and exits 0 only if all of them were
 * right. pika is a required part of this suite, not an optional one: if it is missing the tests
 * fail and say how to install it.
 */
class PikaInteropTest {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
    private static final int TASKS = 25;

    private final AmqpTarget target = AmqpTarget.shared();

    @BeforeAll
    static void requirePika() throws Exception {
        try (PythonScript probe = PythonScript.start("check_pika.py")) {
            int exit = probe.awaitExit(SCRIPT_TIMEOUT);
            assertThat(exit)
                    .as("%s cannot import pika; install Debian's python3-pika (apt-get install python3-pika), "
                            + "not pip. %s", PythonScript.PYTHON, probe.transcript())
                    .isZero();
        }
    }

    @Test
    void shouldDeliverEveryTaskFromAPikaProducerToAPikaWorkerInAnotherProcess() throws Exception {
        String queue = "ferry-pika.tasks-" + UUID.randomUUID().toString().substring(0, 12);
        String host = target.host();
        String port = Integer.toString(target.port());
        try (PythonScript worker = PythonScript.start("task_worker.py", host, port, queue, Integer.toString(TASKS))) {
            await("the worker to start consuming").atMost(SCRIPT_TIMEOUT)
                    .until(() -> worker.output().contains("task_worker ready") || !worker.isAlive());
            assertThat(worker.isAlive()).as(worker.transcript()).isTrue();

            try (PythonScript producer = PythonScript.start("task_producer.py", host, port, queue, Integer.toString(TASKS))) {
                assertThat(producer.awaitExit(SCRIPT_TIMEOUT)).as(producer.transcript()).isZero();
            }

            await("the worker's report").atMost(SCRIPT_TIMEOUT).until(() -> !worker.isAlive());
            assertThat(worker.exitCode()).as(worker.transcript()).isZero();
            assertThat(worker.output()).as(worker.transcript()).contains("task_worker received " + TASKS + " tasks");
        }
    }

    @Test
    void shouldAnswerBlockingConnectionPublishGetConsumeAckNackAndConfirmsLikeRabbitMq() throws Exception {
        assertScriptSucceeds("blocking_client.py");
    }

    @Test
    void shouldCompleteAnAsyncSelectConnectionRoundTripWithConfirms() throws Exception {
        assertScriptSucceeds("async_client.py");
    }

    @Test
    void shouldRaiseProbableAuthenticationErrorWithTheBrokersAccessRefused() throws Exception {
        try (PythonScript run = PythonScript.start("auth_failure.py", target.host(), Integer.toString(target.port()))) {
            assertThat(run.awaitExit(SCRIPT_TIMEOUT)).as(run.transcript()).isZero();
            assertThat(run.output()).as(run.transcript()).contains("auth_failure ok");
        }
    }

    private void assertScriptSucceeds(String script) throws Exception {
        try (PythonScript run = PythonScript.start(script, target.host(), Integer.toString(target.port()))) {
            assertThat(run.awaitExit(SCRIPT_TIMEOUT)).as(run.transcript()).isZero();
        }
    }
}
