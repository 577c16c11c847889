package dev.ferry.it.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.AmqpTarget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpRejectAndDontRequeueException;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;

/**
 * Spring AMQP, used the way Spring applications use it: RabbitAdmin declarations, RabbitTemplate
 * sends and receives with confirms and returns, a listener container with its default prefetch and
 * automatic acks, dead-lettering of a rejected message, and RPC over direct reply-to (Spring's
 * default when the broker offers it).
 */
class SpringAmqpInteropTest {
    private final AmqpTarget target = AmqpTarget.shared();
    private CachingConnectionFactory connectionFactory;
    private RabbitAdmin admin;
    private RabbitTemplate template;
    private final List<SimpleMessageListenerContainer> containers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void connect() {
        connectionFactory = new CachingConnectionFactory(target.host(), target.port());
        connectionFactory.setUsername("guest");
        connectionFactory.setPassword("guest");
        connectionFactory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        connectionFactory.setPublisherReturns(true);
        admin = new RabbitAdmin(connectionFactory);
        template = new RabbitTemplate(connectionFactory);
        template.setReceiveTimeout(5_000);
        template.setReplyTimeout(10_000);
    }

    @AfterEach
    void disconnect() {
        containers.forEach(SimpleMessageListenerContainer::stop);
        connectionFactory.destroy();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void shouldDeclareSendAndReceiveThroughATopicExchange() {
        Queue queue = new Queue(unique("spring-q"), false, false, true);
        TopicExchange exchange = new TopicExchange(unique("spring-x"), false, true);
        admin.declareQueue(queue);
        admin.declareExchange(exchange);
        admin.declareBinding(BindingBuilder.bind(queue).to(exchange).with("orders.*"));

        template.convertAndSend(exchange.getName(), "orders.created", "order 42");

        assertThat(template.receiveAndConvert(queue.getName())).isEqualTo("order 42");
    }

    @Test
    void shouldConfirmAPublishAndReturnAnUnroutableMandatoryOne() throws Exception {
        String queue = admin.declareQueue(new Queue(unique("spring-confirm"), false, false, true));
        List<ReturnedMessage> returned = new CopyOnWriteArrayList<>();
        template.setMandatory(true);
        template.setReturnsCallback(returned::add);

        CorrelationData routed = new CorrelationData("routed");
        template.convertAndSend("", queue, "kept", routed);
        CorrelationData unroutable = new CorrelationData("unroutable");
        template.convertAndSend("amq.direct", unique("nobody"), "lost", unroutable);

        assertThat(routed.getFuture().get(10, TimeUnit.SECONDS).isAck()).isTrue();
        assertThat(unroutable.getFuture().get(10, TimeUnit.SECONDS).isAck()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> returned.size() == 1);
        assertThat(returned.get(0).getReplyCode()).isEqualTo(312);
        assertThat(new String(returned.get(0).getMessage().getBody(), StandardCharsets.UTF_8)).isEqualTo("lost");
    }

    @Test
    void shouldDeliverToAListenerContainerAndDeadLetterWhatItRejects() {
        DirectExchange deadLetters = new DirectExchange(unique("spring-dlx"), false, true);
        Queue parked = new Queue(unique("spring-parked"), false, false, true);
        admin.declareExchange(deadLetters);
        admin.declareQueue(parked);
        admin.declareBinding(BindingBuilder.bind(parked).to(deadLetters).with("parked"));
        Queue work = QueueBuilder.nonDurable(unique("spring-work")).autoDelete()
                .deadLetterExchange(deadLetters.getName()).deadLetterRoutingKey("parked").build();
        admin.declareQueue(work);

        List<String> processed = new CopyOnWriteArrayList<>();
        MessageListener listener = message -> {
            String body = new String(message.getBody(), StandardCharsets.UTF_8);
            if (body.startsWith("bad")) {
                throw new AmqpRejectAndDontRequeueException("cannot process " + body);
            }
            processed.add(body);
        };
        startContainer(work.getName(), listener);

        for (String body : List.of("good 1", "bad 2", "good 3")) {
            template.convertAndSend("", work.getName(), body);
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> processed.size() == 2);
        assertThat(processed).containsExactly("good 1", "good 3");
        Message deadLetter = template.receive(parked.getName(), 10_000);
        assertThat(deadLetter).isNotNull();
        assertThat(new String(deadLetter.getBody(), StandardCharsets.UTF_8)).isEqualTo("bad 2");
        @SuppressWarnings("unchecked")
        List<Map<String, ?>> deaths = (List<Map<String, ?>>) deadLetter.getMessageProperties().getHeaders().get("x-death");
        assertThat(deaths).hasSize(1);
        assertThat(deaths.get(0).get("reason").toString()).isEqualTo("rejected");
        assertThat(deaths.get(0).get("queue").toString()).isEqualTo(work.getName());
    }

    @Test
    void shouldAnswerRpcOverDirectReplyTo() throws Exception {
        String requests = admin.declareQueue(new Queue(unique("spring-rpc"), false, false, true));
        CompletableFuture<String> replyTo = new CompletableFuture<>();
        SimpleMessageListenerContainer server = startContainer(requests, null);
        server.setMessageListener(message -> {
            replyTo.complete(message.getMessageProperties().getReplyTo());
            String answer = new String(message.getBody(), StandardCharsets.UTF_8).toUpperCase();
            template.send("", message.getMessageProperties().getReplyTo(),
                    new Message(answer.getBytes(StandardCharsets.UTF_8), message.getMessageProperties()));
        });

        Object reply = template.convertSendAndReceive("", requests, "ping");

        // The reply carries the request's properties, text/plain included, so Spring converts it to a String.
        assertThat(reply).isEqualTo("PING");
        assertThat(replyTo.get(5, TimeUnit.SECONDS)).startsWith("amq.rabbitmq.reply-to.");
    }

    private SimpleMessageListenerContainer startContainer(String queue, MessageListener listener) {
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(connectionFactory);
        container.setQueueNames(queue);
        container.setAcknowledgeMode(AcknowledgeMode.AUTO);
        if (listener != null) {
            container.setMessageListener(listener);
        }
        container.start();
        containers.add(container);
        return container;
    }
}
