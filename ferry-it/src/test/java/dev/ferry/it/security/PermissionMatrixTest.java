package dev.ferry.it.security;

import static dev.ferry.it.support.AmqpTestBase.isConnectionError;
import static dev.ferry.it.support.AmqpTestBase.replyCode;
import static dev.ferry.it.support.AmqpTestBase.replyText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For each operation RabbitMQ checks, a user allowed and a user refused, with RabbitMQ's codes and
 * texts; runs against Ferry (users from a {@code --definitions} file) and against RabbitMQ 3.10
 * (users made with rabbitmqctl, see {@link AccessSetup}).
 *
 * <p>alice may do anything in {@code /}; bob only with resources named {@code sec-bob-*}; carol has
 * full permissions and the {@code impersonator} tag; dave has full permissions and topic
 * permissions on {@code amq.topic} limited to routing keys starting with his own name. Each test
 * makes alice's resources, then has bob try them.
 */
class PermissionMatrixTest {
    private static final String PASSWORD = "s3cret-Pw";
    private static final String ALICE = "sec-alice";
    private static final String BOB = "sec-bob";
    private static final String CAROL = "sec-carol";
    private static final String DAVE = "sec-dave";
    private static final String OTHER_VHOST = "sec-other";

    @TempDir
    static Path workDir;
    static AccessSetup setup;

    private Connection alice;
    private Connection bob;
    private String aliceQueue;
    private String aliceExchange;
    private String bobQueue;
    private String bobExchange;

    @BeforeAll
    static void createUsers() throws Exception {
        setup = new AccessSetup()
                .vhost(OTHER_VHOST)
                .user(ALICE, PASSWORD, "")
                .userWithPlainPassword(BOB, PASSWORD, "")
                .user(CAROL, PASSWORD, "impersonator")
                .user(DAVE, PASSWORD, "")
                .permissions(ALICE, "/", ".*", ".*", ".*")
                .permissions(BOB, "/", "^sec-bob-", "^sec-bob-", "^sec-bob-")
                .permissions(CAROL, "/", ".*", ".*", ".*")
                .permissions(DAVE, "/", ".*", ".*", ".*")
                .permissions(ALICE, OTHER_VHOST, ".*", ".*", ".*")
                .topicPermissions(DAVE, "/", "amq.topic", "^{username}\\.", "^{username}\\.")
                .apply(workDir);
    }

    @AfterAll
    static void stop() {
        if (setup != null) {
            setup.close();
        }
    }

    @BeforeEach
    void makeAlicesResources() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        aliceQueue = "sec-alice-q-" + id;
        aliceExchange = "sec-alice-x-" + id;
        bobQueue = "sec-bob-q-" + id;
        bobExchange = "sec-bob-x-" + id;
        alice = setup.connect(ALICE, PASSWORD, "/");
        bob = setup.connect(BOB, PASSWORD, "/");
        Channel channel = alice.createChannel();
        channel.exchangeDeclare(aliceExchange, BuiltinExchangeType.FANOUT, false, true, null);
        channel.queueDeclare(aliceQueue, false, false, true, null);
        channel.queueBind(aliceQueue, aliceExchange, "");
        Channel bobs = bob.createChannel();
        bobs.exchangeDeclare(bobExchange, BuiltinExchangeType.FANOUT, false, true, null);
        bobs.queueDeclare(bobQueue, false, false, true, null);
    }

    @AfterEach
    void closeConnections() throws IOException {
        alice.close();
        bob.close();
    }

    private String refusal(String kind, String name, String user) {
        return "ACCESS_REFUSED - access to " + kind + " '" + name + "' in vhost '/' refused for user '" + user + "'";
    }

    @Test
    void shouldCheckConfigureOnExchangeDeclareAndDelete() throws Exception {
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB),
                ch -> ch.exchangeDeclare(aliceExchange, BuiltinExchangeType.FANOUT, false, true, null));
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.exchangeDelete(aliceExchange));
        assertAllowed(bob, ch -> ch.exchangeDeclarePassive(aliceExchange));
        assertAllowed(alice, ch -> ch.exchangeDeclare(aliceExchange, BuiltinExchangeType.FANOUT, false, true, null));
        assertAllowed(alice, ch -> ch.exchangeDelete(aliceExchange));
    }

    @Test
    void shouldCheckConfigureOnQueueDeclareAndDelete() throws Exception {
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.queueDeclare(aliceQueue, false, false, true, null));
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.queueDelete(aliceQueue));
        assertRefused(bob, 403, refusal("queue", "sec-alice-new", BOB),
                ch -> ch.queueDeclare("sec-alice-new", false, false, true, null));
        assertAllowed(bob, ch -> ch.queueDeclarePassive(aliceQueue));
        assertAllowed(alice, ch -> ch.queueDelete(aliceQueue));
    }

    @Test
    void shouldCheckReadOnConsumeGetAndPurge() throws Exception {
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.basicGet(aliceQueue, true));
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.basicConsume(aliceQueue, true, (t, d) -> { },
                t -> { }));
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.queuePurge(aliceQueue));
        assertAllowed(alice, ch -> ch.basicGet(aliceQueue, true));
        assertAllowed(alice, ch -> ch.queuePurge(aliceQueue));
        assertAllowed(alice, ch -> ch.basicCancel(ch.basicConsume(aliceQueue, true, (t, d) -> { }, t -> { })));
    }

    @Test
    void shouldCheckWriteOnTheExchangeOfAPublish() throws Exception {
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB),
                ch -> ch.basicPublish(aliceExchange, "", null, "x".getBytes(StandardCharsets.UTF_8)));
        // The default exchange is checked, and named, as amq.default.
        assertRefused(bob, 403, refusal("exchange", "amq.default", BOB),
                ch -> ch.basicPublish("", bobQueue, null, "x".getBytes(StandardCharsets.UTF_8)));
        assertAllowed(alice, ch -> ch.basicPublish(aliceExchange, "", null, "x".getBytes(StandardCharsets.UTF_8)));
        assertAllowed(alice, ch -> ch.basicPublish("", aliceQueue, null, "y".getBytes(StandardCharsets.UTF_8)));
        Channel channel = alice.createChannel();
        GetResponse first = channel.basicGet(aliceQueue, true);
        assertThat(first).as("alice's publish reached her queue").isNotNull();
    }

    @Test
    void shouldCheckWriteOnTheDestinationAndReadOnTheSourceOfABinding() throws Exception {
        // Bob binds his own queue to alice's exchange: read on the exchange refused.
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.queueBind(bobQueue, aliceExchange, ""));
        // Bob binds alice's queue to his exchange: write on the queue refused.
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.queueBind(aliceQueue, bobExchange, ""));
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.queueUnbind(aliceQueue, aliceExchange, ""));
        // Exchange to exchange: bob cannot make alice's exchange feed his, nor his feed hers.
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.exchangeBind(bobExchange, aliceExchange, ""));
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.exchangeBind(aliceExchange, bobExchange, ""));
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.exchangeUnbind(bobExchange, aliceExchange, ""));
        assertAllowed(bob, ch -> ch.queueBind(bobQueue, bobExchange, ""));
        assertAllowed(alice, ch -> ch.exchangeBind(bobExchange, aliceExchange, ""));
        assertAllowed(alice, ch -> ch.queueUnbind(aliceQueue, aliceExchange, ""));
    }

    @Test
    void shouldNotLetDeadLetteringOrAlternateExchangesReachWhatTheUserMayNotWriteTo() throws Exception {
        // A dead-letter exchange needs write on it (and read on the queue), checked at declaration.
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.queueDeclare("sec-bob-dlq-"
                + UUID.randomUUID(), false, false, true, Map.of("x-dead-letter-exchange", aliceExchange)));
        // An alternate exchange needs write on it (and read on the exchange), checked at declaration.
        assertRefused(bob, 403, refusal("exchange", aliceExchange, BOB), ch -> ch.exchangeDeclare("sec-bob-ae-"
                + UUID.randomUUID(), "fanout", false, true, Map.of("alternate-exchange", aliceExchange)));
        // With a DLX bob may write to, the declaration works.
        assertAllowed(bob, ch -> ch.queueDeclare("sec-bob-dlq-" + UUID.randomUUID(), false, false, true,
                Map.of("x-dead-letter-exchange", bobExchange)));
    }

    @Test
    void shouldRefuseAUserIdThatIsNotThePublishersUnlessImpersonating() throws Exception {
        AMQP.BasicProperties claimsAlice = new AMQP.BasicProperties.Builder().userId(ALICE).build();
        assertRefused(bob, 406, "PRECONDITION_FAILED - user_id property set to '" + ALICE
                + "' but authenticated user was '" + BOB + "'", ch -> ch.basicPublish(bobExchange, "", claimsAlice, new byte[0]));
        assertAllowed(bob, ch -> ch.basicPublish(bobExchange, "",
                new AMQP.BasicProperties.Builder().userId(BOB).build(), new byte[0]));
        try (Connection carol = setup.connect(CAROL, PASSWORD, "/")) {
            assertAllowed(carol, ch -> ch.basicPublish("", aliceQueue, claimsAlice, "from carol".getBytes(StandardCharsets.UTF_8)));
        }
        GetResponse got = alice.createChannel().basicGet(aliceQueue, true);
        assertThat(got.getProps().getUserId()).isEqualTo(ALICE);
    }

    @Test
    void shouldCheckTopicPermissionsOnPublishAndBind() throws Exception {
        try (Connection dave = setup.connect(DAVE, PASSWORD, "/")) {
            String queue = "sec-dave-q-" + UUID.randomUUID();
            assertAllowed(dave, ch -> ch.queueDeclare(queue, false, false, true, null));
            assertRefused(dave, 403, "ACCESS_REFUSED - access to topic 'alice.orders' in exchange 'amq.topic' in vhost '/'"
                    + " refused for user '" + DAVE + "'", ch -> ch.basicPublish("amq.topic", "alice.orders", null, new byte[0]));
            assertRefused(dave, 403, "ACCESS_REFUSED - access to topic 'alice.#' in exchange 'amq.topic' in vhost '/'"
                    + " refused for user '" + DAVE + "'", ch -> ch.queueBind(queue, "amq.topic", "alice.#"));
            assertAllowed(dave, ch -> ch.queueBind(queue, "amq.topic", DAVE + ".#"));
            assertAllowed(dave, ch -> ch.basicPublish("amq.topic", DAVE + ".orders", null, "t".getBytes(StandardCharsets.UTF_8)));
            // Not a topic exchange: topic permissions do not apply.
            assertAllowed(dave, ch -> ch.basicPublish("amq.direct", "alice.orders", null, new byte[0]));
        }
    }

    @Test
    void shouldRefuseToOpenAVirtualHostWithoutPermissions() throws Exception {
        Throwable thrown = catchThrowable(() -> setup.connect(BOB, PASSWORD, OTHER_VHOST));
        assertThat(replyCode(thrown)).isEqualTo(530);
        assertThat(replyText(thrown)).isEqualTo("NOT_ALLOWED - access to vhost '" + OTHER_VHOST + "' refused for user '"
                + BOB + "'");
        setup.connect(ALICE, PASSWORD, OTHER_VHOST).close();
    }

    @Test
    void shouldKeepTheConnectionAfterARefusalOnOneChannel() throws Exception {
        assertRefused(bob, 403, refusal("queue", aliceQueue, BOB), ch -> ch.queuePurge(aliceQueue));
        assertThat(bob.isOpen()).isTrue();
        assertAllowed(bob, ch -> ch.queuePurge(bobQueue));
    }

    interface ChannelAction {
        void run(Channel channel) throws IOException;
    }

    /** Runs {@code action} on a new channel; a synchronous call after it surfaces an asynchronous refusal. */
    static void assertRefused(Connection connection, int code, String text, ChannelAction action) throws IOException {
        Channel channel = connection.createChannel();
        Throwable thrown = catchThrowable(() -> {
            action.run(channel);
            channel.exchangeDeclarePassive("amq.direct");
        });
        assertThat(thrown).as("refused: " + text).isNotNull();
        assertThat(replyCode(thrown)).isEqualTo(code);
        assertThat(replyText(thrown)).isEqualTo(text);
        assertThat(isConnectionError(thrown)).as("a channel error").isFalse();
    }

    static void assertAllowed(Connection connection, ChannelAction action) throws Exception {
        Channel channel = connection.createChannel();
        action.run(channel);
        channel.exchangeDeclarePassive("amq.direct");
        channel.close();
    }
}
