package dev.ferry.it.support;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads the broker process's JMX attributes from outside it, the way an operator's tool would: the
 * JDK's attach mechanism starts the broker's local management agent (no port, no flag at start),
 * then a JMX connection reads what the test needs, such as {@code dev.ferry:type=Ingress}.
 */
public final class BrokerJmx implements AutoCloseable {
    public static final String INGRESS = "dev.ferry:type=Ingress";

    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private BrokerJmx(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    public static BrokerJmx attach(BrokerProcess broker) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(broker.pid()));
        try {
            String address = vm.startLocalManagementAgent();
            return new BrokerJmx(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } finally {
            vm.detach();
        }
    }

    /** One attribute of the ingress metrics, as a number. */
    public long ingress(String attribute) throws Exception {
        return ((Number) server.getAttribute(new ObjectName(INGRESS), attribute)).longValue();
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
