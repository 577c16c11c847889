package dev.ferry.it.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web console in a real browser (headless chromium) against a started broker, with the
 * RabbitMQ Java client on the other side: what a client does shows in the console, and what the
 * console does (moving dead-lettered messages back) the client sees. One broker and one browser
 * for the class.
 */
class ConsoleBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static BrokerProcess broker;
    private static ConsoleBrowser browser;
    private static String base;

    private final String prefix = "console-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private Connection connection;
    private Channel channel;

    @BeforeAll
    static void start() throws IOException {
        // A consumer group forms at once instead of after Kafka's 3 s wait for more members.
        broker = BrokerProcess.start(Files.createTempDirectory("ferry-it-console"), "--group-initial-rebalance-delay-ms", "0");
        base = "http://127.0.0.1:" + broker.httpPort();
        try {
            browser = ConsoleBrowser.start(base);
        } catch (RuntimeException | Error e) {
            broker.close();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        connection = factory.newConnection("console-browser-test");
        channel = connection.createChannel();
    }

    @AfterEach
    void disconnect() throws Exception {
        if (connection.isOpen()) {
            connection.close();
        }
    }

    @Test
    void shouldRefuseAWrongPasswordWithAClearMessage() {
        browser.submitLogin("guest", "not-the-password");

        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("login-error"),
                text -> text.contains("wrong user name or password"));
        assertThat(browser.element(By.id("top")).isDisplayed()).isFalse();
        assertThat(browser.script("return sessionStorage.getItem('ferry.console.authorization')")).isNull();

        // By keyboard only: the password field is selected after a refusal; Enter submits the form.
        assertThat(browser.driver().switchTo().activeElement().getDomAttribute("id")).isEqualTo("login-password");
        browser.driver().switchTo().activeElement().sendKeys("guest", Keys.ENTER);
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("who"), who -> who.startsWith("guest"));
        assertThat(browser.text("login-error")).isEmpty();
    }

    @Test
    void shouldSetAPolicyThatTrimsAQueueAClientFilledAndDeleteIt() throws Exception {
        String queue = prefix + "capped";
        channel.queueDeclare(queue, true, false, false, null);
        channel.confirmSelect();
        for (int i = 0; i < 5; i++) {
            channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        browser.logIn("guest", "guest");
        browser.open("/policies");

        String policy = prefix + "cap";
        browser.element(By.id("policy-name")).sendKeys(policy);
        browser.element(By.id("policy-pattern")).sendKeys("^" + prefix + "capped$");
        new Select(browser.element(By.id("policy-apply-to"))).selectByValue("queues");
        browser.element(By.id("policy-definition")).sendKeys("{\"max-length\": 2}");
        browser.element(By.cssSelector("#policy-definition")).submit();

        // The policy applies at once to the queue the client filled: the two newest stay.
        await().atMost(ConsoleBrowser.WAIT).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 2);
        GetResponse first = channel.basicGet(queue, true);
        assertThat(new String(first.getBody(), StandardCharsets.UTF_8)).isEqualTo("m3");
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.driver().findElement(By.id("policies-table")).getText(),
                text -> text.contains(policy) && text.contains("max-length"));

        browser.script("window.confirm = () => true;");
        browser.element(By.cssSelector("[aria-label='Delete policy " + policy + "']")).click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.driver().findElement(By.id("policies-table")).getText(),
                text -> !text.contains(policy));
        for (int i = 0; i < 4; i++) {
            channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, ("n" + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).as("no limit once the policy is gone").isEqualTo(5);
    }

    @Test
    void shouldShowAQueueOnceAnAmqpClientDeclaresIt() throws Exception {
        String queue = prefix + "appears";
        browser.logIn("guest", "guest");
        browser.open("/queues");
        WebElement filter = browser.element(By.cssSelector("#queues-table input[type=search]"));
        filter.sendKeys(prefix);
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.driver().findElement(By.cssSelector("#queues-table tbody"))
                .getText().contains("No match"));

        channel.queueDeclare(queue, true, false, false, Map.of("x-max-length", 1000));

        // The table reloads every 5 s with the filter the user typed.
        WebElement link = await().atMost(ConsoleBrowser.WAIT).ignoreExceptions().until(
                () -> browser.driver().findElement(By.cssSelector("#queues-table a[data-queue='" + queue + "']")),
                WebElement::isDisplayed);
        assertThat(browser.driver().findElement(By.cssSelector("#queues-table tbody")).getText()).contains("Lim");
        link.click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("queue-name"), queue::equals);
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("queue-settings"), text -> text.contains("x-max-length"));
    }

    @Test
    void shouldPageSortAndFilterTheQueuesThroughTheApi() throws Exception {
        for (int i = 0; i < 120; i++) {
            channel.queueDeclare(String.format("%sq%03d", prefix, i), false, false, true, null);
        }
        browser.logIn("guest", "guest");
        browser.open("/queues");
        WebElement filter = browser.element(By.cssSelector("#queues-table input[type=search]"));
        filter.sendKeys(prefix);
        // The table shows rows of the filter the user typed (not a reload started before it).
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.data("queues-table", "filter"), prefix::equals);
        assertThat(pagerText()).contains("Page 1 of 3");
        assertThat(browser.script("return document.querySelector('#queues-table .counts').textContent")).asString()
                .startsWith("120 ");
        assertThat(firstQueueShown()).isEqualTo(prefix + "q000");

        browser.driver().findElement(By.xpath("//div[@id='queues-table']//button[normalize-space()='Next ›']")).click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> pagerText(), text -> text.contains("Page 2 of 3"));
        assertThat(firstQueueShown()).isEqualTo(prefix + "q050");

        // Sorting by name again reverses it, from the first page.
        browser.driver().findElement(By.cssSelector("#queues-table button[data-sort='name']")).click();
        await().atMost(ConsoleBrowser.WAIT).until(this::firstQueueShown, (prefix + "q119")::equals);
        assertThat(browser.driver().findElement(By.cssSelector("#queues-table th[data-sort='name']")).getDomAttribute("aria-sort"))
                .isEqualTo("descending");

        filter.sendKeys("q11");
        await().atMost(ConsoleBrowser.WAIT).until(() -> String.valueOf(browser.script(
                "return document.querySelector('#queues-table .counts').textContent")).startsWith("10 of "));
        assertThat(pagerText()).contains("Page 1 of 1");
    }

    private String pagerText() {
        Object text = browser.script("const e = document.querySelector('#queues-table .page-of'); return e ? e.textContent : '';");
        return String.valueOf(text);
    }

    /** The first queue name in the table as the page has it now (read in one script: the table reloads every 5 s). */
    private String firstQueueShown() {
        Object text = browser.script("const e = document.querySelector('#queues-table tbody a[data-queue]');"
                + "return e ? e.dataset.queue : '';");
        return String.valueOf(text);
    }

    @Test
    void shouldMoveTheDepthChartWhileAClientPublishes() throws Exception {
        String queue = prefix + "filling";
        channel.queueDeclare(queue, true, false, false, null);
        browser.logIn("guest", "guest");
        browser.open("/queues/%2F/" + queue);
        await().atMost(ConsoleBrowser.WAIT).until(() -> depthShown("queue-depth-chart"), depth -> depth == 0);
        int pointsBefore = Integer.parseInt(browser.data("queue-depth-chart", "points"));

        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger();
        Thread publisher = new Thread(() -> {
            try (Channel publishChannel = connection.createChannel()) {
                publishChannel.confirmSelect();
                while (publishing.get() && published.get() < 600) {
                    for (int i = 0; i < 10; i++) {
                        publishChannel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN,
                                ("m" + published.getAndIncrement()).getBytes(StandardCharsets.UTF_8));
                    }
                    publishChannel.waitForConfirmsOrDie(10_000);
                    Thread.sleep(200);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "console-test-publisher");
        publisher.start();
        try {
            // Two different depths above zero while the client is still publishing: the chart moves.
            long first = await().atMost(ConsoleBrowser.WAIT).until(() -> depthShown("queue-depth-chart"), depth -> depth > 0);
            await().atMost(ConsoleBrowser.WAIT).until(() -> depthShown("queue-depth-chart"), depth -> depth > first);
        } finally {
            publishing.set(false);
            publisher.join(20_000);
        }
        int total = published.get();
        await().atMost(ConsoleBrowser.WAIT).until(() -> depthShown("queue-depth-chart"), depth -> depth == total);
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("queue-messages"), text -> text.equals(String.format(java.util.Locale.US, "%,d", total)));
        assertThat(Integer.parseInt(browser.data("queue-depth-chart", "points"))).isGreaterThanOrEqualTo(pointsBefore + 2);
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(total);
    }

    @Test
    void shouldMoveDeadLetteredMessagesBackToTheQueueTheyCameFrom() throws Exception {
        String work = prefix + "work";
        String dead = prefix + "dead";
        String deadLetterExchange = prefix + "dlx";
        channel.exchangeDeclare(deadLetterExchange, "fanout", true);
        channel.queueDeclare(dead, true, false, false, null);
        channel.queueBind(dead, deadLetterExchange, "");
        channel.queueDeclare(work, true, false, false, Map.of("x-dead-letter-exchange", deadLetterExchange));
        int count = 150;
        Set<String> sent = new HashSet<>();
        channel.confirmSelect();
        for (int i = 0; i < count; i++) {
            String body = "order " + i;
            sent.add(body);
            channel.basicPublish("", work, MessageProperties.PERSISTENT_TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        // A consumer that refuses everything: reject without requeue dead-letters each message.
        Channel rejecting = connection.createChannel();
        rejecting.basicQos(50);
        AtomicInteger rejected = new AtomicInteger();
        String tag = rejecting.basicConsume(work, false, new DefaultConsumer(rejecting) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                rejecting.basicReject(envelope.getDeliveryTag(), false);
                rejected.incrementAndGet();
            }
        });
        await().atMost(ConsoleBrowser.WAIT).until(() -> rejected.get() == count);
        rejecting.basicCancel(tag);

        browser.logIn("guest", "guest");
        browser.open("/queues/%2F/" + dead);
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("queue-messages"), text -> text.equals("150"));

        // Peek: the x-death history names the reason and the queue each message came from.
        browser.element(By.id("get-count")).clear();
        browser.element(By.id("get-count")).sendKeys("2");
        browser.element(By.id("get-messages")).click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.driver().findElements(By.cssSelector("#get-result .x-death")).size() == 2);
        assertThat(browser.driver().findElement(By.cssSelector("#get-result .death-reason")).getText()).isEqualTo("rejected");
        assertThat(browser.driver().findElement(By.cssSelector("#get-result .death-queue")).getText()).isEqualTo(work);

        // Some of them first, then the rest; each back to the queue in its first x-death entry.
        new Select(browser.element(By.id("move-scope"))).selectByValue("some");
        browser.element(By.id("move-count")).clear();
        browser.element(By.id("move-count")).sendKeys("40");
        new Select(browser.element(By.id("move-reason"))).selectByValue("rejected");
        browser.element(By.id("move-start")).click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.data("move-status", "done"), "true"::equals);
        assertThat(browser.data("move-status", "moved")).isEqualTo("40");
        assertThat(browser.text("move-status")).contains("moved 40 messages", "110 left in " + dead);

        new Select(browser.element(By.id("move-scope"))).selectByValue("all");
        browser.element(By.id("move-start")).click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("move-status"), text -> text.startsWith("Done: moved 110"));
        assertThat(browser.text("move-status")).contains("0 left in " + dead);
        WebElement progress = browser.element(By.id("move-progress"));
        assertThat(progress.getDomProperty("value")).isEqualTo(progress.getDomProperty("max"));

        Set<String> back = new HashSet<>();
        Channel reader = connection.createChannel();
        await().atMost(ConsoleBrowser.WAIT).until(() -> {
            GetResponse got;
            while ((got = reader.basicGet(work, true)) != null) {
                back.add(new String(got.getBody(), StandardCharsets.UTF_8));
            }
            return back.size() == count;
        });
        assertThat(back).isEqualTo(sent);
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("queue-messages"), text -> text.equals("0"));
    }

    @Test
    void shouldCloseTheConnectionAClientOpenedWithTheReasonItIsGiven() throws Exception {
        String clientName = prefix + "closing";
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        Connection closing = factory.newConnection(clientName);
        java.util.concurrent.CompletableFuture<com.rabbitmq.client.ShutdownSignalException> closed =
                new java.util.concurrent.CompletableFuture<>();
        closing.addShutdownListener(closed::complete);

        browser.logIn("guest", "guest");
        browser.open("/connections");
        WebElement close = await().atMost(ConsoleBrowser.WAIT).ignoreExceptions().until(() -> browser.driver().findElement(
                By.xpath("//div[@id='connections-table']//tr[td[contains(., '(" + clientName + ")')]]//button")), WebElement::isEnabled);
        close.click();
        browser.driver().switchTo().alert().accept();

        com.rabbitmq.client.ShutdownSignalException signal = closed.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(signal.isInitiatedByApplication()).isFalse();
        AMQP.Connection.Close reason = (AMQP.Connection.Close) signal.getReason();
        assertThat(reason.getReplyCode()).isEqualTo(320);
        assertThat(reason.getReplyText()).contains("Closed from the Ferry console");
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldImportDefinitionsFromAFileAndExportThemToOne() throws Exception {
        String imported = prefix + "imported";
        Path file = Files.createTempFile("ferry-console-definitions", ".json");
        Files.writeString(file, "{\"queues\": [{\"name\": \"" + imported + "\", \"vhost\": \"/\", \"durable\": true, "
                + "\"auto_delete\": false, \"arguments\": {\"x-max-length\": 7}}]}");
        browser.logIn("guest", "guest");
        browser.open("/definitions");
        browser.element(By.id("definitions-file")).sendKeys(file.toAbsolutePath().toString());
        browser.element(By.id("definitions-import")).click();
        await().atMost(ConsoleBrowser.WAIT).until(() -> browser.text("definitions-import-result"), text -> text.startsWith("Imported"));
        assertThat(channel.queueDeclarePassive(imported).getQueue()).isEqualTo(imported);

        browser.element(By.id("definitions-export")).click();
        Path exported = await().atMost(ConsoleBrowser.WAIT).until(() -> {
            try (var listing = Files.list(browser.downloads())) {
                return listing.filter(path -> path.getFileName().toString().matches("ferry-definitions-.*\\.json"))
                        .findFirst().orElse(null);
            }
        }, path -> path != null && path.toFile().length() > 0);
        JsonNode definitions = await().atMost(ConsoleBrowser.WAIT).ignoreExceptions().until(() -> JSON.readTree(exported.toFile()),
                document -> document.has("queues"));
        List<String> names = new java.util.ArrayList<>();
        definitions.path("queues").forEach(queue -> names.add(queue.path("name").asText()));
        assertThat(names).contains(imported);
        assertThat(browser.text("definitions-summary")).contains("queues");
    }

    /**
     * A consumer group that committed offsets 10, 20 and 30 of three partitions holding 30 records
     * each: the streams page draws its lag per partition as 20, 10 and 0. Needs the broker's
     * /api/groups (skipped on a broker without it).
     */
    @Test
    void shouldChartAConsumerGroupsLagPerPartition() throws Exception {
        Assumptions.assumeTrue(rawGet("/api/groups", "Authorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n").startsWith("HTTP/1.1 200"),
                "this broker does not serve /api/groups");
        String topic = prefix + "events";
        String group = prefix + "billing";
        String bootstrap = "127.0.0.1:" + broker.kafkaPort();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 3, (short) 1))).all().get();
        }
        Map<String, Object> producerSettings = Map.of("bootstrap.servers", bootstrap,
                "key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName(),
                "value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(producerSettings)) {
            for (int partition = 0; partition < 3; partition++) {
                for (int i = 0; i < 30; i++) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, partition, "k" + i, "v" + i));
                }
            }
            producer.flush();
        }
        Map<String, Object> consumerSettings = Map.of("bootstrap.servers", bootstrap, "group.id", group,
                "enable.auto.commit", "false", "auto.offset.reset", "earliest",
                "key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName(),
                "value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(consumerSettings)) {
            consumer.subscribe(List.of(topic));
            await().atMost(ConsoleBrowser.WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200));
                return consumer.assignment().size() == 3;
            });
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
                    new java.util.HashMap<>();
            for (int partition = 0; partition < 3; partition++) {
                offsets.put(new org.apache.kafka.common.TopicPartition(topic, partition),
                        new org.apache.kafka.clients.consumer.OffsetAndMetadata(10L * (partition + 1)));
            }
            consumer.commitSync(offsets);

            browser.logIn("guest", "guest");
            browser.open("/streams");
            String bars = await().atMost(ConsoleBrowser.WAIT).until(() -> String.valueOf(browser.script(
                    "const e = document.querySelector(`figure[data-group=\"${arguments[0]}\"]`);"
                            + "return e && e.dataset.last ? e.dataset.last : '';", group)), text -> text.contains(topic + "-2"));
            JsonNode chart = JSON.readTree(bars);
            Map<String, Integer> lag = new java.util.TreeMap<>();
            chart.forEach(bar -> lag.put(bar.path("label").asText(), bar.path("value").asInt()));
            assertThat(lag).containsExactly(Map.entry(topic + "-0", 20), Map.entry(topic + "-1", 10), Map.entry(topic + "-2", 0));
            assertThat(browser.text("groups-table")).contains(group);
        }
    }

    @Test
    void shouldServeTheConsoleFilesWithTheirTypesAndNothingOutsideThem() throws Exception {
        String page = rawGet("/", "");
        assertThat(page).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/html; charset=utf-8")
                .containsIgnoringCase("cache-control: no-cache").containsIgnoringCase("content-security-policy: default-src 'self'")
                .contains("<script type=\"module\" src=\"/console/js/main.js\">");
        String script = rawGet("/console/js/main.js", "");
        assertThat(script).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/javascript; charset=utf-8");
        String etag = script.lines().filter(line -> line.toLowerCase(java.util.Locale.ROOT).startsWith("etag:"))
                .findFirst().orElseThrow().substring(5).trim();
        assertThat(rawGet("/console/js/main.js", "If-None-Match: " + etag + "\r\n")).startsWith("HTTP/1.1 304");
        assertThat(rawGet("/console/console.css", "")).containsIgnoringCase("content-type: text/css; charset=utf-8");

        // Nothing outside the console's own files, however the path is spelled.
        for (String outside : List.of("/console/../api/overview", "/console/%2e%2e/ConsoleFiles.class",
                "/console/js/..%2F..%2FConsoleFiles.class", "/console/..\\..\\ConsoleFiles.class",
                "/console/%2Fetc%2Fpasswd", "/console/js/", "/console/.hidden.js", "/console/ApiRouter.class",
                "/console//etc/passwd")) {
            assertThat(rawGet(outside, "")).as(outside).startsWith("HTTP/1.1 404");
        }
        // The API still answers as before beside it, and asks for a login.
        assertThat(rawGet("/api/overview", "")).startsWith("HTTP/1.1 401");
    }

    /** A GET written by hand, so the path reaches the broker exactly as spelled. */
    private static String rawGet(String path, String headers) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", broker.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + headers + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The newest total the depth chart drew (data-last of the figure), or -1 before the first poll. */
    private long depthShown(String chartId) throws IOException {
        String last = browser.data(chartId, "last");
        if (last == null) {
            return -1;
        }
        JsonNode values = JSON.readTree(last);
        return values.path("messages").isNumber() ? values.path("messages").asLong() : -1;
    }

    /**
     * Screenshots of the main pages for the README, written only when asked for:
     * {@code -Dferry.console.screenshots=$PWD/docs/console}. Each page is checked to show what it is
     * for before its picture is taken.
     */
    @Test
    void shouldShowTheMainPagesForTheReadme() throws Exception {
        String directory = System.getProperty("ferry.console.screenshots");
        Assumptions.assumeTrue(directory != null && !directory.isBlank(), "screenshots only with -Dferry.console.screenshots");
        Path screenshots = Path.of(directory);
        String orders = "orders";
        channel.exchangeDeclare("shop", "topic", true);
        channel.exchangeDeclare("orders.dlx", "fanout", true);
        channel.queueDeclare("orders.dead", true, false, false, null);
        channel.queueBind("orders.dead", "orders.dlx", "");
        channel.queueDeclare(orders, true, false, false, Map.of("x-dead-letter-exchange", "orders.dlx", "x-max-length", 100000));
        channel.queueBind(orders, "shop", "order.*");
        for (String name : List.of("payments", "invoices", "emails", "audit.log", "shipping")) {
            channel.queueDeclare(name, true, false, false, null);
            channel.queueBind(name, "shop", name.equals("audit.log") ? "#" : name + ".*");
        }
        channel.confirmSelect();
        for (int i = 0; i < 30; i++) {
            channel.basicPublish("shop", "order.created", MessageProperties.PERSISTENT_TEXT_PLAIN,
                    ("{\"order\": " + i + ", \"total\": " + (10 + i) + "}").getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        for (int i = 0; i < 12; i++) {
            GetResponse got = channel.basicGet(orders, false);
            channel.basicReject(got.getEnvelope().getDeliveryTag(), false);
        }
        Channel consuming = connection.createChannel();
        consuming.basicQos(20);
        consuming.basicConsume("payments", false, new DefaultConsumer(consuming) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                consuming.basicAck(envelope.getDeliveryTag(), false);
            }
        });
        // Traffic for the charts: a rising and falling depth over half a minute.
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread publisher = new Thread(() -> {
            try (Channel publishChannel = connection.createChannel()) {
                for (int tick = 0; publishing.get(); tick++) {
                    int burst = 5 + (int) (20 * Math.abs(Math.sin(tick / 8.0)));
                    for (int i = 0; i < burst; i++) {
                        publishChannel.basicPublish("shop", "order.created", null, ("tick " + tick).getBytes(StandardCharsets.UTF_8));
                        publishChannel.basicPublish("shop", "payments.created", null, ("tick " + tick).getBytes(StandardCharsets.UTF_8));
                    }
                    if (tick % 3 == 0) {
                        for (int i = 0; i < burst * 2; i++) {
                            publishChannel.basicGet(orders, true);
                        }
                    }
                    Thread.sleep(250);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "console-screenshot-publisher");
        publisher.start();
        try {
            browser.driver().manage().window().setSize(new org.openqa.selenium.Dimension(1440, 1000));
            browser.logIn("guest", "guest");
            browser.open("/");
            await().atMost(Duration.ofSeconds(60)).until(() -> browser.data("overview-queued", "points"),
                    points -> points != null && Integer.parseInt(points) >= 7);
            browser.screenshot(screenshots.resolve("overview.png"));

            browser.open("/queues/%2F/" + orders);
            await().atMost(Duration.ofSeconds(60)).until(() -> browser.data("queue-depth-chart", "points"),
                    points -> points != null && Integer.parseInt(points) >= 15);
            browser.screenshot(screenshots.resolve("queue.png"));

            browser.open("/queues");
            // The class's other tests leave many queues on the first pages: show these.
            browser.element(By.cssSelector("#queues-table input[type=search]")).sendKeys("orders");
            browser.element(By.cssSelector("#queues-table a[data-queue='orders.dead']"));
            browser.screenshot(screenshots.resolve("queues.png"));

            browser.open("/queues/%2F/orders.dead");
            browser.element(By.id("get-count")).clear();
            browser.element(By.id("get-count")).sendKeys("1");
            browser.element(By.id("get-messages")).click();
            WebElement deaths = browser.element(By.cssSelector("#get-result .x-death"));
            new Select(browser.element(By.id("move-scope"))).selectByValue("some");
            browser.element(By.id("move-count")).clear();
            browser.element(By.id("move-count")).sendKeys("5");
            browser.element(By.id("move-start")).click();
            await().atMost(ConsoleBrowser.WAIT).until(() -> browser.data("move-status", "done"), "true"::equals);
            browser.script("arguments[0].closest('section').scrollIntoView()", deaths);
            browser.screenshot(screenshots.resolve("dead-letter-queue.png"));

            browser.open("/connections");
            browser.element(By.cssSelector("#connections-table button"));
            browser.screenshot(screenshots.resolve("connections.png"));

            browser.open("/exchanges/%2F/shop");
            browser.element(By.cssSelector("#exchange-bindings-source table"));
            browser.screenshot(screenshots.resolve("exchange.png"));
        } finally {
            publishing.set(false);
            publisher.join(10_000);
        }
    }
}
