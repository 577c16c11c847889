package dev.ferry.server;

import dev.ferry.server.config.BrokerSettings;
import dev.ferry.server.config.ConfigException;
import dev.ferry.store.MetadataUnreadableException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Entry point of the broker process. Exit codes: 0 after {@code --help}, {@code --version} or a
 * clean stop on SIGTERM / SIGINT; 2 for a usage or configuration error (the message says which
 * setting); 3 when the metadata log cannot be read at all (the message names the file; the broker
 * refuses to start with no metadata, and changed nothing on disk); 1 when the broker fails to
 * start for another reason.
 */
public final class FerryMain {
    private static final Logger log = LoggerFactory.getLogger(FerryMain.class);

    static final int EXIT_OK = 0;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_METADATA_UNREADABLE = 3;

    private FerryMain() {
    }

    public static void main(String[] args) {
        BrokerSettings settings;
        try {
            CommandLine commandLine = FerryCommand.commandLine(args, System.getenv());
            CommandLine.ParseResult parsed = commandLine.parseArgs(args);
            if (CommandLine.printHelpIfRequested(parsed)) {
                System.exit(EXIT_OK);
                return;
            }
            settings = ((FerryCommand) commandLine.getCommand()).call().conclude();
        } catch (CommandLine.ParameterException e) {
            System.err.println("ferry: " + e.getMessage());
            System.err.println("Run 'ferry --help' for the options.");
            System.exit(EXIT_USAGE);
            return;
        } catch (ConfigException e) {
            System.err.println("ferry: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        run(settings);
    }

    private static void run(BrokerSettings settings) {
        FerryServer server = new FerryServer(settings);
        try {
            server.start();
        } catch (ConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            server.close();
            System.exit(EXIT_USAGE);
            return;
        } catch (MetadataUnreadableException e) {
            log.error("cannot start: {}", e.getMessage());
            server.close();
            System.exit(EXIT_METADATA_UNREADABLE);
            return;
        } catch (RuntimeException e) {
            log.error("cannot start", e);
            server.close();
            System.exit(EXIT_START_FAILED);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopOnSignal(server, stopped), "ferry-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs when the JVM is asked to stop (SIGTERM, SIGINT). The JVM would report such a stop as
     * exit code 143; a broker that stopped cleanly says 0, so after everything is flushed and
     * closed the hook ends the process itself. Log output is flushed first because halting skips
     * the logging framework's own shutdown.
     */
    private static void stopOnSignal(FerryServer server, CountDownLatch stopped) {
        int exitCode = EXIT_OK;
        try {
            server.close();
        } catch (RuntimeException e) {
            log.error("error while stopping", e);
            exitCode = EXIT_START_FAILED;
        }
        stopped.countDown();
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
            context.stop();
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(exitCode);
    }
}
