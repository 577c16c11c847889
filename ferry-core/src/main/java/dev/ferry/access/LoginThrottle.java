package dev.ferry.access;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes guessing passwords slow: every failed login from an address makes the next answers to that
 * address wait longer, doubling from {@link #FIRST_DELAY_MS} up to {@link #MAX_DELAY_MS}. A failure
 * older than {@link #FORGET_AFTER_MS} no longer counts; a successful login clears the address. The
 * front waits by scheduling its answer, never by blocking a thread.
 *
 * <p>Time is passed in (milliseconds), so the rule is a function of its inputs. The table is bounded
 * ({@link #MAX_ADDRESSES}); the address that failed least recently is forgotten first.
 *
 * <p>Thread safety: any thread (synchronized; called once per login, never per message).
 */
public final class LoginThrottle {
    public static final long FIRST_DELAY_MS = 200;
    public static final long MAX_DELAY_MS = 5_000;
    public static final long FORGET_AFTER_MS = 10 * 60_000;
    static final int MAX_ADDRESSES = 10_000;

    private record Failures(int count, long lastAtMs) {
    }

    private final LinkedHashMap<String, Failures> byAddress = new LinkedHashMap<>(16, 0.75f, true);

    /** How long the answer to a login attempt from {@code address} waits, before it is known to succeed or fail. */
    public synchronized long delayMs(String address, long nowMs) {
        Failures failures = byAddress.get(address);
        if (failures == null) {
            return 0;
        }
        if (nowMs - failures.lastAtMs() > FORGET_AFTER_MS) {
            byAddress.remove(address);
            return 0;
        }
        int doublings = Math.min(failures.count() - 1, 20);
        return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS << doublings);
    }

    public synchronized void failed(String address, long nowMs) {
        Failures before = byAddress.get(address);
        int count = before == null || nowMs - before.lastAtMs() > FORGET_AFTER_MS ? 1 : before.count() + 1;
        byAddress.put(address, new Failures(count, nowMs));
        if (byAddress.size() > MAX_ADDRESSES) {
            Iterator<Map.Entry<String, Failures>> eldest = byAddress.entrySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    public synchronized void succeeded(String address) {
        byAddress.remove(address);
    }
}
