package dev.ferry.server;

import dev.ferry.access.PasswordHash;
import dev.ferry.server.cli.FerryCli;
import dev.ferry.server.config.BrokerSettings;
import dev.ferry.server.config.ConfigException;
import dev.ferry.store.MetadataUnreadableException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
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
        // `ferry queues ...` and the other client commands talk to a running broker (FerryCli);
        // `ferry server ...` is `ferry ...`: the broker, so the README's first command stays as it is.
        if (args.length > 0 && FerryCli.isClientCommand(args[0])) {
            System.exit(FerryCli.main(args, System.getenv()));
            return;
        }
        if (args.length > 0 && args[0].equals("server")) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        if (args.length > 0 && args[0].equals("hash-password")) {
            System.exit(hashPassword());
            return;
        }
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

    /**
     * {@code ferry hash-password}: reads a password (from the terminal without echo, else the first
     * line of standard input) and prints its {@code password_hash} for a definitions file, in
     * RabbitMQ's {@code rabbit_password_hashing_sha256} form, so the password itself never has to be
     * written into a file or a command line.
     */
    private static int hashPassword() {
        String password;
        if (System.console() != null) {
            char[] typed = System.console().readPassword("Password: ");
            password = typed == null ? null : new String(typed);
        } else {
            try {
                password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                password = null;
            }
        }
        if (password == null || password.isEmpty()) {
            System.err.println("ferry hash-password: no password given");
            return EXIT_USAGE;
        }
        System.out.println(PasswordHash.of(password).rabbitSha256().orElseThrow());
        return EXIT_OK;
    }

    private static void run(BrokerSettings settings) {
        // The hook is in place before the broker starts: the line that says it is listening is logged
        // inside startWith, and a SIGTERM sent on reading it must already find the hook, or the JVM
        // stops with 143 and without closing the broker. A signal during startup waits for it to end.
        CompletableFuture<FerryServer> started = new CompletableFuture<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopOnSignal(started, stopped), "ferry-shutdown"));
        FerryServer server = null;
        int failure = EXIT_START_FAILED;
        try {
            server = FerryServer.startWith(settings);
        } catch (ConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            failure = EXIT_USAGE;
        } catch (MetadataUnreadableException e) {
            log.error("cannot start: {}", e.getMessage());
            failure = EXIT_METADATA_UNREADABLE;
        } catch (RuntimeException e) {
            log.error("cannot start", e);
        } finally {
            // Completed before System.exit: exit runs the hook, which would otherwise wait forever.
            started.complete(server);
        }
        if (server == null) {
            System.exit(failure);
            return;
        }
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
    private static void stopOnSignal(CompletableFuture<FerryServer> started, CountDownLatch stopped) {
        FerryServer server = started.join();
        if (server == null) {
            return; // startup failed: the exit code already chosen stands
        }
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
