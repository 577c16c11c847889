package dev.ferry.server;

import dev.ferry.broker.Broker;
import dev.ferry.broker.VirtualHost;
import dev.ferry.front.ContentBudget;
import dev.ferry.message.MessageBody;
import dev.ferry.queue.MessageQueue;
import dev.ferry.store.ReadyMemoryBudget;
import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The broker's {@link IngressMetricsMXBean}, registered with the platform MBean server for the broker's life. */
final class IngressMetrics implements IngressMetricsMXBean {
    static final String OBJECT_NAME = "dev.ferry:type=Ingress";
    private static final Logger LOG = LoggerFactory.getLogger(IngressMetrics.class);

    private final Broker broker;
    private final ContentBudget contentBudget;
    private final ReadyMemoryBudget readyMemory;
    private ObjectName registeredAs;

    private IngressMetrics(Broker broker, ContentBudget contentBudget, ReadyMemoryBudget readyMemory) {
        this.broker = broker;
        this.contentBudget = contentBudget;
        this.readyMemory = readyMemory;
    }

    /** Registers the metrics; a failure to register costs the metrics, not the start. */
    static IngressMetrics register(Broker broker, ContentBudget contentBudget, ReadyMemoryBudget readyMemory) {
        IngressMetrics metrics = new IngressMetrics(broker, contentBudget, readyMemory);
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            server.registerMBean(metrics, name);
            metrics.registeredAs = name;
        } catch (JMException e) {
            LOG.warn("ingress metrics are not available over JMX: {}", e.toString());
        }
        return metrics;
    }

    void unregister() {
        if (registeredAs == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(registeredAs);
        } catch (JMException e) {
            LOG.debug("unregistering ingress metrics failed: {}", e.toString());
        }
        registeredAs = null;
    }

    @Override
    public int getQueueMailboxPeakMessages() {
        int peak = 0;
        for (VirtualHost virtualHost : broker.virtualHosts()) {
            for (MessageQueue queue : virtualHost.queues()) {
                peak = Math.max(peak, queue.peakWaitingMessages());
            }
        }
        return peak;
    }

    @Override
    public long getQueueMailboxPeakBytes() {
        long peak = 0;
        for (VirtualHost virtualHost : broker.virtualHosts()) {
            for (MessageQueue queue : virtualHost.queues()) {
                peak = Math.max(peak, queue.peakWaitingBytes());
            }
        }
        return peak;
    }

    @Override
    public long getQueueMailboxWaitingMessages() {
        long waiting = 0;
        for (VirtualHost virtualHost : broker.virtualHosts()) {
            for (MessageQueue queue : virtualHost.queues()) {
                waiting += queue.waitingMessages();
            }
        }
        return waiting;
    }

    @Override
    public long getQueueMailboxTotalPeakMessages() {
        return broker.backlog().peak();
    }

    @Override
    public long getQueueMailboxTotalBound() {
        return broker.backlog().bound();
    }

    @Override
    public long getReadyMemoryBytes() {
        return readyMemory.usedBytes();
    }

    @Override
    public long getReadyMemoryBudgetBytes() {
        return readyMemory.limitBytes();
    }

    @Override
    public long getOffHeapBodyBytes() {
        return MessageBody.directBytesInUse();
    }

    @Override
    public long getOffHeapBodyBytesLeftToCollector() {
        return MessageBody.directBytesLeftToCollector();
    }

    @Override
    public long getContentBudgetBytes() {
        return contentBudget.limitBytes();
    }

    @Override
    public long getContentReservedBytes() {
        return contentBudget.reservedBytes();
    }

    @Override
    public long getContentReservedPeakBytes() {
        return contentBudget.peakReservedBytes();
    }

    @Override
    public int getContentWaitingConnections() {
        return contentBudget.waitingCount();
    }

    @Override
    public long getContentWaits() {
        return contentBudget.waitCount();
    }

    @Override
    public long getContentOverdraftRefusals() {
        return contentBudget.refusalCount();
    }
}
