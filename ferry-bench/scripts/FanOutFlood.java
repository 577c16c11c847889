import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.MessageProperties;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fan-out load for ingress-memory.sh, the shape of the RabbitMQ Java client's Bug19219Test made to
 * run for a set time: one connection declares QUEUES server-named queues, binds each to amq.fanout
 * and consumes each with manual acks, no prefetch limit and no ack ever sent; PUBLISHERS connections
 * (one thread each) publish persistent empty messages to amq.fanout back to back for SECONDS, so
 * each publish is a copy for every queue. Every two seconds a fresh connection is opened and closed
 * and the time its handshake took is kept: a broker whose heap fills stops answering there first.
 * With --no-consumers the queues are declared and bound but nobody consumes: every copy stays
 * ready in its queue, so the broker has to keep QUEUES backlogs growing at once (ingress-memory.sh's
 * fanoutbacklog). Prints, when the publishers start (epoch milliseconds, so that the script can put
 * the broker's alarms on the load's clock; declaring thousands of queues takes seconds first):
 *
 *   start fanout_publishing_epoch_ms=N
 *
 * and at the end one line:
 *
 *   fanout queues=1500 publishers=100 seconds=60 consumers=true published=N accepted_per_queue=N accepted_settled=yes handshake_max_ms=N handshake_failures=N
 *
 * "published" counts basicPublish calls that returned, so it includes what still sat in socket
 * buffers when the run ended (with a blocked broker, most of it: loopback buffers hold millions of
 * empty publishes). "accepted_per_queue" is, with --no-consumers, the message count of the first
 * declared queue once it stopped changing after publishing stopped: the messages the broker took
 * in, each one QUEUES copies; "accepted_settled=no" if it was still changing after 90 s (or not
 * answered: -1 if never). With consumers both are "-". Run:
 * java -cp AMQP_CLIENT_CLASSPATH FanOutFlood.java URI QUEUES PUBLISHERS SECONDS [--no-consumers]
 */
public class FanOutFlood {
  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      System.err.println("fanout: failed: " + e);
    }
    // Publisher threads blocked in a socket write never end on their own.
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    String uri = args[0];
    int queues = Integer.parseInt(args[1]);
    int publishers = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    if (args.length > 5 || (args.length == 5 && !args[4].equals("--no-consumers"))) {
      System.err.println("usage: FanOutFlood URI QUEUES PUBLISHERS SECONDS [--no-consumers]");
      System.exit(2);
    }
    boolean consume = args.length == 4;
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    factory.setAutomaticRecoveryEnabled(false);
    factory.setHandshakeTimeout(10_000);
    // Bounds the count at the end: a RabbitMQ queue answers it only after the deliveries already
    // in its mailbox, which took over 30 s after a flood. Publishes are not RPCs and not affected.
    factory.setChannelRpcTimeout(60_000);

    // The queues are server-named and exclusive to this connection: they go when this process exits.
    Connection consuming = factory.newConnection(consume ? "fanout-consumer" : "fanout-declarer");
    Channel channel = consuming.createChannel();
    DefaultConsumer neverAcks = new DefaultConsumer(channel);
    String first = null;
    for (int i = 0; i < queues; i++) {
      String queue = channel.queueDeclare().getQueue();
      channel.queueBind(queue, "amq.fanout", "");
      if (consume) {
        channel.basicConsume(queue, false, neverAcks);
      }
      if (first == null) {
        first = queue;
      }
    }

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong published = new AtomicLong();
    // Every publisher connects before any publishes: opened one by one beside a flood already
    // running, the last of 100 took 40 s on Ferry and timed out on RabbitMQ, so the load ran that
    // much longer than SECONDS, or not at all.
    List<Channel> channels = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      channels.add(factory.newConnection("fanout-publisher-" + p).createChannel());
    }
    for (Channel publisher : channels) {
      Thread thread = new Thread(() -> {
        byte[] empty = new byte[0];
        try {
          while (running.get()) {
            publisher.basicPublish("amq.fanout", "", MessageProperties.PERSISTENT_BASIC, empty);
            published.incrementAndGet();
          }
        } catch (Exception e) {
          // the broker closed the connection or the run ended
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    System.out.println("start fanout_publishing_epoch_ms=" + System.currentTimeMillis());
    System.out.flush();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long handshakeMaxMs = 0;
    int handshakeFailures = 0;
    while (System.nanoTime() < end) {
      Thread.sleep(2000);
      long start = System.nanoTime();
      try (Connection probe = factory.newConnection("fanout-handshake")) {
        handshakeMaxMs = Math.max(handshakeMaxMs, (System.nanoTime() - start) / 1_000_000);
      } catch (Exception e) {
        handshakeFailures++;
      }
    }
    running.set(false);
    long accepted = -1;
    String settled = "-";
    if (!consume) {
      // A publisher that is not blocked stops after its current publish; one blocked by a memory
      // alarm stays blocked and sends nothing more. What the broker already read still reaches the
      // queues (RabbitMQ routes it for tens of seconds), so the count is read once a second until it
      // stops changing, for 90 s at most (and one answer 60 s at most).
      long deadline = System.nanoTime() + 90_000_000_000L;
      settled = "no";
      try {
        while (System.nanoTime() < deadline) {
          Thread.sleep(1000);
          long count = channel.queueDeclarePassive(first).getMessageCount();
          if (count == accepted) {
            settled = "yes";
            break;
          }
          accepted = count;
        }
      } catch (Exception e) {
        // not answered within the RPC timeout: the last count read (or -1) stands, unsettled
      }
    }
    System.out.printf("fanout queues=%d publishers=%d seconds=%d consumers=%s published=%d accepted_per_queue=%s "
        + "accepted_settled=%s handshake_max_ms=%d handshake_failures=%d%n",
        queues, publishers, seconds, consume, published.get(), consume ? "-" : Long.toString(accepted), settled,
        handshakeMaxMs, handshakeFailures);
    System.out.flush();
    // No close: a publisher blocked in a socket write holds its connection's lock, so closing one
    // can wait for good; exiting (main) drops every socket at once.
  }
}
