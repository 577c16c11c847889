package dev.ferry.broker;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Whether publishing must pause because a resource ran short: heap memory or free disk. While any
 * alarm is raised, protocol fronts stop reading from publishers (AMQP also tells them with
 * connection.blocked) and keep serving consumers, so queues drain and the broker never dies of a
 * fast publisher.
 *
 * <p>Thread safety: any thread may raise, clear or read; listeners are told of every change of
 * the combined state, on the thread that made it, and must not block.
 */
public final class ResourceAlarm {
    /** What ran short. */
    public enum Resource { MEMORY, DISK }

    private final Map<Resource, String> raised = new EnumMap<>(Resource.class);
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile String reason;
    private volatile boolean memoryRaised;

    /**
     * Raises or clears the alarm for one resource. {@code detail} says what was measured, for the
     * reason clients and logs see.
     */
    public void set(Resource resource, boolean isRaised, String detail) {
        String before;
        String after;
        synchronized (raised) {
            before = reason;
            if (isRaised) {
                raised.put(resource, detail);
            } else {
                raised.remove(resource);
            }
            after = raised.isEmpty() ? null : describe();
            reason = after;
            memoryRaised = raised.containsKey(Resource.MEMORY);
        }
        if (!java.util.Objects.equals(before, after)) {
            for (Consumer<String> listener : listeners) {
                listener.accept(after);
            }
        }
    }

    private String describe() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<Resource, String> entry : raised.entrySet()) {
            if (text.length() > 0) {
                text.append("; ");
            }
            text.append(entry.getKey().name().toLowerCase(java.util.Locale.ROOT)).append(" alarm: ").append(entry.getValue());
        }
        return text.toString();
    }

    /** Whether any alarm is raised now. */
    public boolean isRaised() {
        return reason != null;
    }

    /** Whether the memory alarm is raised now; one volatile read, for checks on the message path. */
    public boolean isMemoryRaised() {
        return memoryRaised;
    }

    /** Why publishing is paused, or null when it is not. */
    public String reason() {
        return reason;
    }

    /** {@code listener} receives the new reason when an alarm is raised, null when all clear. */
    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }
}
