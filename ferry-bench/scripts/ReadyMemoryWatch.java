import com.sun.tools.attach.VirtualMachine;

import java.lang.management.MemoryUsage;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Watches a running broker's ready-message budget from outside, for ingress-memory.sh: attaches to
 * PID the way an operator's tool would (the JDK's attach mechanism starts the broker's local
 * management agent: no port, no flag at start), then once a second for SECONDS prints
 *
 *   EPOCH_MS READY_MEMORY_BYTES READY_MEMORY_BUDGET_BYTES HEAP_USED_BYTES
 *
 * (dev.ferry:type=Ingress ReadyMemoryBytes and ReadyMemoryBudgetBytes, and the heap in use now,
 * garbage included). A reading that fails is skipped; the broker going away ends the watch.
 * Run: java ReadyMemoryWatch.java PID SECONDS
 */
public class ReadyMemoryWatch {
  public static void main(String[] args) throws Exception {
    String pid = args[0];
    long end = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
    VirtualMachine vm = VirtualMachine.attach(pid);
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection server = connector.getMBeanServerConnection();
      ObjectName ingress = new ObjectName("dev.ferry:type=Ingress");
      ObjectName memory = new ObjectName("java.lang:type=Memory");
      while (System.nanoTime() < end) {
        try {
          long ready = ((Number) server.getAttribute(ingress, "ReadyMemoryBytes")).longValue();
          long budget = ((Number) server.getAttribute(ingress, "ReadyMemoryBudgetBytes")).longValue();
          long heap = MemoryUsage.from((CompositeData) server.getAttribute(memory, "HeapMemoryUsage")).getUsed();
          System.out.printf("%d %d %d %d%n", System.currentTimeMillis(), ready, budget, heap);
          System.out.flush();
        } catch (java.io.IOException e) {
          return; // the broker is gone
        } catch (Exception e) {
          // one missed reading (a busy broker's attribute call failed); the next may work
        }
        Thread.sleep(1000);
      }
    }
  }
}
