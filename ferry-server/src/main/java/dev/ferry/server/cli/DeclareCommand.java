package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry declare queue|exchange|binding}: the management API's PUT and POST, with the same
 * defaults as RabbitMQ's UI (durable, not auto-delete). Declaring what exists with the same
 * properties succeeds; with other properties the broker's refusal is exit code 65.
 */
@Command(name = "declare", mixinStandardHelpOptions = true, description = "Declares a queue, an exchange or a binding",
        subcommands = {DeclareCommand.Queue.class, DeclareCommand.Exchange.class, DeclareCommand.Binding.class})
final class DeclareCommand {

    @Command(name = "queue", mixinStandardHelpOptions = true, description = "Declares a queue")
    static final class Queue implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--type", paramLabel = "TYPE", description = "classic, quorum or stream (x-queue-type)")
        String type;

        @Option(names = "--durable", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Survives a restart. Default: ${DEFAULT-VALUE}")
        boolean durable;

        @Option(names = "--auto-delete", description = "Deleted when its last consumer goes")
        boolean autoDelete;

        @Option(names = {"-a", "--argument"}, paramLabel = "NAME=VALUE",
                description = "A queue argument, e.g. x-max-length=1000, x-dead-letter-exchange=dlx (repeatable)")
        List<String> arguments;

        @Override
        public Integer call() throws CtlException {
            ObjectNode body = client.object().put("durable", durable).put("auto_delete", autoDelete);
            ObjectNode args = KeyValues.parse(arguments, "--argument");
            if (type != null) {
                args.put("x-queue-type", type);
            }
            body.set("arguments", args);
            client.client().put(client.path("queues", name), body).orFail();
            client.err().println("declared queue " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "exchange", mixinStandardHelpOptions = true, description = "Declares an exchange")
    static final class Exchange implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-t", "--type"}, paramLabel = "TYPE", defaultValue = "direct",
                description = "direct, fanout, topic or headers. Default: ${DEFAULT-VALUE}")
        String type;

        @Option(names = "--durable", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Survives a restart. Default: ${DEFAULT-VALUE}")
        boolean durable;

        @Option(names = "--auto-delete", description = "Deleted when its last binding goes")
        boolean autoDelete;

        @Option(names = "--internal", description = "Only other exchanges may publish to it")
        boolean internal;

        @Option(names = {"-a", "--argument"}, paramLabel = "NAME=VALUE",
                description = "An exchange argument, e.g. alternate-exchange=unrouted (repeatable)")
        List<String> arguments;

        @Override
        public Integer call() throws CtlException {
            ObjectNode body = client.object().put("type", type).put("durable", durable).put("auto_delete", autoDelete)
                    .put("internal", internal);
            body.set("arguments", KeyValues.parse(arguments, "--argument"));
            client.client().put(client.path("exchanges", name), body).orFail();
            client.err().println("declared exchange " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "binding", mixinStandardHelpOptions = true,
            description = "Binds a queue (or an exchange) to an exchange")
    static final class Binding implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(names = "--source", required = true, paramLabel = "EXCHANGE", description = "The exchange routed from")
        String source;

        @Option(names = "--destination", required = true, paramLabel = "NAME", description = "The queue (or exchange) routed to")
        String destination;

        @Option(names = "--destination-type", paramLabel = "TYPE", defaultValue = "queue",
                description = "queue or exchange. Default: ${DEFAULT-VALUE}")
        String destinationType;

        @Option(names = {"-k", "--routing-key"}, paramLabel = "KEY", defaultValue = "",
                description = "Binding key (a pattern for a topic exchange)")
        String routingKey;

        @Option(names = {"-a", "--argument"}, paramLabel = "NAME=VALUE",
                description = "A binding argument, e.g. x-match=all for a headers exchange (repeatable)")
        List<String> arguments;

        @Override
        public Integer call() throws CtlException {
            String kind = DeleteCommand.destinationKind(destinationType);
            ObjectNode body = client.object().put("routing_key", routingKey);
            body.set("arguments", KeyValues.parse(arguments, "--argument"));
            client.client().post("bindings/" + client.vhostPath() + "/e/" + segment(source) + "/" + kind + "/"
                    + segment(destination), body).orFail();
            client.err().println("bound " + destinationType + " " + destination + " to exchange " + source
                    + (routingKey.isEmpty() ? "" : " with key " + routingKey));
            return ExitCodes.OK;
        }
    }

    static String segment(String name) {
        return ManagementClient.segment(name);
    }
}
