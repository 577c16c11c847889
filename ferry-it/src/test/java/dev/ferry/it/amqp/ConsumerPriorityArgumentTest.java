package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.Channel;
import dev.ferry.it.support.AmqpTestBase;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** basic.consume's x-priority must be an integer, as RabbitMQ checks it: anything else is 406. */
class ConsumerPriorityArgumentTest extends AmqpTestBase {

    @Test
    void shouldRefuseAConsumerPriorityThatIsNotAnInteger() throws Exception {
        String queue = unique("q");
        channel.queueDeclare(queue, false, false, false, null);
        // A void value (null in the client's table) is refused too; an absent one is not.
        for (Object priority : Arrays.asList("high", null, 1.5, true)) {
            Channel own = connection.createChannel();
            Map<String, Object> arguments = new HashMap<>();
            arguments.put("x-priority", priority);
            Throwable thrown = catchThrowable(() -> own.basicConsume(queue, false, arguments, (tag, delivery) -> { },
                    tag -> { }));
            String type = priority == null ? "void" : priority instanceof String ? "longstr"
                    : priority instanceof Double ? "double" : "bool";
            assertThat(replyCode(thrown)).as("x-priority %s", priority).isEqualTo(406);
            assertThat(isConnectionError(thrown)).isFalse();
            assertThat(replyText(thrown)).isEqualTo("PRECONDITION_FAILED - invalid arg 'x-priority' for queue '" + queue
                    + "' in vhost '/': \"expected integer, got " + type + "\"");
        }
        for (Object priority : List.<Object>of((byte) 3, (short) -2, 7, 5L)) {
            Channel own = connection.createChannel();
            own.basicConsume(queue, false, Map.of("x-priority", priority), (tag, delivery) -> { }, tag -> { });
            own.close();
        }
        channel.queueDelete(queue);
    }
}
