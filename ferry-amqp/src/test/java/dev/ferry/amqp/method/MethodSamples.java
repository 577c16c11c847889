package dev.ferry.amqp.method;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One instance of every method, with non-default arguments so a swapped or dropped field shows. */
public final class MethodSamples {
    private MethodSamples() {
    }

    public static Map<String, Object> table() {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("x-max-length", 10);
        table.put("x-message-ttl", 60_000L);
        table.put("flag", true);
        table.put("name", "ferry");
        table.put("price", new BigDecimal("12.50"));
        table.put("list", List.of(1, "two"));
        return table;
    }

    public static List<AmqpMethod> all() {
        byte[] secret = {0, 'u', 0, 'p'};
        return List.of(
                new ConnectionStart(0, 9, table(), "PLAIN AMQPLAIN", "en_US"),
                new ConnectionStartOk(table(), "PLAIN", secret, "en_US"),
                new ConnectionSecure(secret),
                new ConnectionSecureOk(secret),
                new ConnectionTune(2047, 131072, 60),
                new ConnectionTuneOk(100, 65536, 30),
                new ConnectionOpen("/prod"),
                new ConnectionOpenOk(),
                new ConnectionClose(320, "CONNECTION_FORCED - bye", 60, 40),
                new ConnectionCloseOk(),
                new ConnectionBlocked("low on memory"),
                new ConnectionUnblocked(),
                new ConnectionUpdateSecret(secret, "token refresh"),
                new ConnectionUpdateSecretOk(),
                new ChannelOpen(),
                new ChannelOpenOk(),
                new ChannelFlow(true),
                new ChannelFlowOk(false),
                new ChannelClose(404, "NOT_FOUND - no queue 'q'", 50, 10),
                new ChannelCloseOk(),
                new ExchangeDeclare("orders", "topic", false, true, false, true, false, table()),
                new ExchangeDeclareOk(),
                new ExchangeDelete("orders", true, false),
                new ExchangeDeleteOk(),
                new ExchangeBind("dst", "src", "order.#", true, table()),
                new ExchangeBindOk(),
                new ExchangeUnbind("dst", "src", "order.*", false, table()),
                new ExchangeUnbindOk(),
                new QueueDeclare("jobs", false, true, true, false, true, table()),
                new QueueDeclareOk("jobs", 42, 3),
                new QueueBind("jobs", "orders", "order.created", false, table()),
                new QueueBindOk(),
                new QueuePurge("jobs", true),
                new QueuePurgeOk(7),
                new QueueDelete("jobs", true, false, true),
                new QueueDeleteOk(9),
                new QueueUnbind("jobs", "orders", "order.created", table()),
                new QueueUnbindOk(),
                new BasicQos(65536, 250, true),
                new BasicQosOk(),
                new BasicConsume("jobs", "ctag-1", false, true, false, true, table()),
                new BasicConsumeOk("ctag-1"),
                new BasicCancel("ctag-1", true),
                new BasicCancelOk("ctag-1"),
                new BasicPublish("orders", "order.created", true, false),
                new BasicReturn(312, "NO_ROUTE", "orders", "nowhere"),
                new BasicDeliver("ctag-1", 1L << 40, true, "orders", "order.created"),
                new BasicGet("jobs", true),
                new BasicGetOk(77L, false, "orders", "order.paid", 5),
                new BasicGetEmpty(),
                new BasicAck(12345L, true),
                new BasicReject(6L, false),
                new BasicRecoverAsync(true),
                new BasicRecover(false),
                new BasicRecoverOk(),
                new BasicNack(99L, true, false),
                new ConfirmSelect(true),
                new ConfirmSelectOk(),
                new TxSelect(),
                new TxSelectOk(),
                new TxCommit(),
                new TxCommitOk(),
                new TxRollback(),
                new TxRollbackOk());
    }
}
