package dev.ferry.it.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferryctl set_policy}, {@code clear_policy}, {@code list_policies} and the operator-policy
 * twins run as child processes against a started broker: what they print and their exit codes are
 * rabbitmqctl 3.10.8's (recorded against an isolated RabbitMQ node), and a policy set this way
 * trims a queue an AMQP client filled.
 */
class FerryCtlPolicyTest {
    @TempDir
    static Path temp;

    private static BrokerProcess broker;
    private static FerryCtlProcess ctl;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.start(Files.createDirectories(temp.resolve("data")));
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.httpPort() > 0);
        Path home = Files.createDirectories(temp.resolve("home"));
        ctl = new FerryCtlProcess(Map.of("FERRY_URL", "http://127.0.0.1:" + broker.httpPort(), "HOME", home.toString()));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldSetListAndClearAPolicyThatTrimsAQueueAtOnce() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        try (Connection connection = factory.newConnection()) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("ctl-capped", true, false, false, null);
            channel.confirmSelect();
            for (int i = 0; i < 3; i++) {
                channel.basicPublish("", "ctl-capped", null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);

            FerryCtlProcess.Result set = ctl.run("set_policy", "--priority", "3", "--apply-to", "queues", "cap",
                    "^ctl-capped$", "{\"max-length\":1}");
            assertThat(set.exitCode()).as(set.toString()).isZero();
            assertThat(set.out()).isEqualTo("Setting policy \"cap\" for pattern \"^ctl-capped$\" to \"{\"max-length\":1}\""
                    + " with priority \"3\" for vhost \"/\" ...\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> channel.queueDeclarePassive("ctl-capped").getMessageCount() == 1);

            FerryCtlProcess.Result listed = ctl.run("list_policies");
            assertThat(listed.out()).isEqualTo("Listing policies for vhost \"/\" ...\n"
                    + "vhost\tname\tpattern\tapply-to\tdefinition\tpriority\n"
                    + "/\tcap\t^ctl-capped$\tqueues\t{\"max-length\":1}\t3\n");

            FerryCtlProcess.Result cleared = ctl.run("clear_policy", "cap");
            assertThat(cleared.exitCode()).as(cleared.toString()).isZero();
            assertThat(cleared.out()).isEqualTo("Clearing policy \"cap\" on vhost \"/\" ...\n");
            assertThat(ctl.run("-q", "list_policies").out()).isEmpty();
            FerryCtlProcess.Result again = ctl.run("clear_policy", "cap");
            assertThat(again.exitCode()).isEqualTo(69);
            assertThat(again.err()).isEqualTo("Error:\nParameter does not exist\n");
        }
    }

    @Test
    void shouldSetAndClearAnOperatorPolicyThatTakesLimitsOnly() throws Exception {
        FerryCtlProcess.Result set = ctl.run("set_operator_policy", "limits", "^", "{\"max-length\":100}");
        assertThat(set.exitCode()).as(set.toString()).isZero();
        assertThat(set.out()).isEqualTo("Setting operator policy override \"limits\" for pattern \"^\" to "
                + "\"{\"max-length\":100}\" with priority \"0\" for vhost \"/\" ...\n");
        assertThat(ctl.run("-q", "list_operator_policies").out()).isEqualTo(
                "vhost\tname\tpattern\tapply-to\tdefinition\tpriority\n/\tlimits\t^\tall\t{\"max-length\":100}\t0\n");
        FerryCtlProcess.Result refused = ctl.run("set_operator_policy", "dlx", "^", "{\"dead-letter-exchange\":\"x\"}");
        assertThat(refused.exitCode()).isEqualTo(69);
        assertThat(refused.err()).isEqualTo("Error:\nValidation failed\n\n[{<<\"dead-letter-exchange\">>,<<\"x\">>}] "
                + "are not recognised policy settings\n\n");
        FerryCtlProcess.Result cleared = ctl.run("clear_operator_policy", "limits");
        assertThat(cleared.out()).isEqualTo("Clearing operator policy \"limits\" on vhost \"/\" ...\n");
        assertThat(ctl.run("-q", "list_operator_policies").out()).isEmpty();
    }

    @Test
    void shouldAnswerBadPolicyCommandLinesAsRabbitmqctl() throws Exception {
        FerryCtlProcess.Result invalid = ctl.run("set_policy", "p", "^x", "{\"message-ttl\":\"x\"}");
        assertThat(invalid.exitCode()).isEqualTo(69);
        assertThat(invalid.err()).isEqualTo("Error:\nValidation failed\n\n<<\"x\">> is not a valid message TTL\n\n");

        FerryCtlProcess.Result notJson = ctl.run("set_policy", "p", "^x", "notjson");
        assertThat(notJson.exitCode()).isEqualTo(69);
        assertThat(notJson.err()).isEqualTo("Error:\nJSON decoding error. Reason: badarg\n");

        FerryCtlProcess.Result missing = ctl.run("set_policy", "p", "^x");
        assertThat(missing.exitCode()).isEqualTo(64);
        assertThat(missing.err()).startsWith("Error (argument validation): not enough arguments.\n");

        FerryCtlProcess.Result priority = ctl.run("set_policy", "--priority", "x", "p", "^x", "{\"max-length\":1}");
        assertThat(priority.exitCode()).isEqualTo(64);
        assertThat(priority.err()).startsWith("Error (argument validation): Invalid options for this command:\n--priority : x\n");

        FerryCtlProcess.Result noVhost = ctl.run("set_policy", "-p", "nosuch", "p", "^x", "{\"max-length\":1}");
        assertThat(noVhost.exitCode()).isEqualTo(65);
        assertThat(noVhost.err()).isEqualTo("Virtual host 'nosuch' does not exist\n");
        FerryCtlProcess.Result listNoVhost = ctl.run("list_policies", "-p", "nosuch");
        assertThat(listNoVhost.exitCode()).isEqualTo(65);
        assertThat(listNoVhost.err()).isEqualTo("Virtual host 'nosuch' does not exist\n");

        FerryCtlProcess.Result applyTo = ctl.run("set_policy", "--apply-to", "foo", "p", "^x", "{}");
        assertThat(applyTo.exitCode()).isEqualTo(69);
        assertThat(applyTo.err()).isEqualTo("Error:\nValidation failed\n\nno policy provided\n"
                + "apply-to 'foo' unrecognised; should be 'queues', 'exchanges' or 'all'\n\n");
        assertThat(ctl.run("-q", "list_policies").out()).as("nothing was set").isEmpty();
    }
}
