package dev.ferry.examples;

import com.rabbitmq.client.ConnectionFactory;
import java.time.Duration;

/**
 * One end-to-end messaging scenario. {@link #run} does the whole scenario in the calling process
 * (consumers on the client's own threads, publishing, checking what arrived) and returns what it
 * found instead of exiting, so that a test can call it; {@link ExampleLauncher} turns it into a
 * {@code main} with an exit code.
 */
public interface Example {

    /** A short name for summaries, e.g. {@code work-queue}. */
    String name();

    /**
     * Runs the scenario against the broker {@code factory} points at. Every wait inside is bounded
     * by {@code timeout}; a scenario that does not complete in time reports a failure rather than
     * hanging. Queues and exchanges get unique names and are deleted at the end.
     *
     * @throws Exception when the broker or the client fails in a way the scenario did not expect
     */
    ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception;
}
