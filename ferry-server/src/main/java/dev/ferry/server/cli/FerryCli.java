package dev.ferry.server.cli;

import dev.ferry.server.FerryMain;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ferry} with a subcommand: a client of a running broker's management HTTP API, for people
 * at a terminal and for scripts (tables sized to the terminal or {@code --format json}, a progress
 * bar on long operations, ferryctl's exit codes). {@code ferry} with no subcommand, or
 * {@code ferry server}, starts the broker ({@link FerryMain}); {@code bin/ferry} and
 * {@code FerryMain} send every other first word here.
 *
 * <p>Exit codes ({@link ExitCodes}, rabbitmqctl's): 0 done, 64 a command line that does not parse,
 * 65 something named does not exist or was refused, 67 no such user, 69 broker unreachable (or it
 * refused the login), 70 an answer ferry did not expect, 75 timeout, 77 not allowed. Errors are one
 * line on standard error, starting {@code ferry:}.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = FerryCli.Version.class,
        description = "Ferry message broker. Without a command it starts the broker (see 'ferry server --help'); "
                + "with one it is a client of a running broker's management API (--url or FERRY_URL).",
        subcommands = {
            FerryCli.ServerCommand.class,
            ListCommands.Queues.class, ListCommands.Exchanges.class, ListCommands.Bindings.class,
            ListCommands.Connections.class, ListCommands.Topics.class, ListCommands.Groups.class,
            DeclareCommand.class, DeleteCommand.class, PurgeCommand.class,
            PublishCommand.class, ConsumeCommand.class, MoveCommand.class,
            DefinitionsCommand.class, UsersCommand.class, BenchCommand.class,
            FerryCli.CompletionCommand.class, CommandLine.HelpCommand.class,
        })
public final class FerryCli {
    /** Where a command reads and writes, and the environment it reads (FERRY_URL, COLUMNS, FERRY_STDERR_TTY). */
    record Context(InputStream in, PrintStream out, PrintStream err, Map<String, String> environment) {
    }

    private FerryCli() {
    }

    public static void main(String[] args) {
        System.exit(main(args, System.getenv()));
    }

    /** Runs a client command line on the process's standard streams; returns the exit code. */
    public static int main(String[] args, Map<String, String> environment) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        return run(args, environment, out, err);
    }

    /** Whether a command line whose first word is this is a client command (else it starts the broker). */
    public static boolean isClientCommand(String firstArgument) {
        return !firstArgument.startsWith("-") && !firstArgument.equals("server")
                && !firstArgument.equals("hash-password");
    }

    /** Runs one client command line on the process's standard input and returns its exit code. */
    public static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        return run(args, environment, System.in, out, err);
    }

    /**
     * Runs one client command line and returns its exit code; what a command would read from
     * standard input (a message body, a password) comes from {@code in}.
     */
    public static int run(String[] args, Map<String, String> environment, InputStream in, PrintStream out,
            PrintStream err) {
        Context context = new Context(in, out, err, environment);
        CommandLine commandLine = commandLine(context);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((e, given) -> {
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched && e.getCommandLine() == commandLine
                    && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
                err.println("ferry: unknown command '" + unmatched.getUnmatched().get(0) + "'");
            } else {
                err.println("ferry: " + e.getMessage());
            }
            String name = e.getCommandLine().getCommandSpec().qualifiedName(" ");
            err.println("Run '" + name + " --help' for how to use it.");
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof CtlException refused) {
                // One line: ferryctl's texts may hold a hint on a second line.
                err.println("ferry: " + refused.getMessage().strip().replace("\n", " "));
                return refused.exitCode();
            }
            err.println("ferry: " + e);
            return ExitCodes.SOFTWARE;
        });
        return commandLine.execute(args);
    }

    static CommandLine commandLine(Context context) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K created = defaults.create(type);
                if (created instanceof ClientOptions options) {
                    options.bind(context);
                }
                return created;
            }
        };
        CommandLine commandLine = new CommandLine(FerryCli.class, factory);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }

    @Command(name = "server", description = "Starts the broker (what 'ferry' with no command does); "
            + "'ferry server --help' lists its options")
    static final class ServerCommand implements Runnable {
        @CommandLine.Unmatched
        List<String> arguments = List.of();

        @Override
        public void run() {
            FerryMain.main(arguments.toArray(String[]::new));
        }
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = "Prints a bash / zsh completion script for ferry: source <(ferry completion)")
    static final class CompletionCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            CommandLine root = spec.root().commandLine();
            spec.commandLine().getOut().print(AutoComplete.bash("ferry", root));
            spec.commandLine().getOut().flush();
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Ferry " + dev.ferry.server.FerryVersion.VERSION};
        }
    }
}
