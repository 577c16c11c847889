package dev.ferry.examples;

import java.util.concurrent.ThreadLocalRandom;

/** Unique queue and exchange names, so that examples never meet each other's (or anyone's) objects on a shared broker. */
final class Names {
    private Names() {
    }

    static String unique(String purpose) {
        return "ferry-examples." + purpose + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }
}
