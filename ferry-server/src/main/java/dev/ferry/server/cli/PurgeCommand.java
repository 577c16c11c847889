package dev.ferry.server.cli;

import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry purge QUEUE}: drops the queue's ready messages (unacknowledged ones stay with their consumers). */
@Command(name = "purge", mixinStandardHelpOptions = true, description = "Removes every ready message of a queue")
final class PurgeCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Override
    public Integer call() throws CtlException {
        ManagementClient.Answer answer = client.client().delete(client.path("queues", queue) + "/contents");
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, "queue '" + queue + "' does not exist in virtual host '"
                    + client.vhost + "'");
        }
        answer.orFail();
        client.err().println("purged queue " + queue);
        return ExitCodes.OK;
    }
}
