package dev.ferry.text;

/**
 * A Kafka setting of type INT read as Kafka's config parser reads it, with its texts: broker settings
 * given at start (topic defaults, group config defaults and bounds, group sizes) share this reader.
 */
public final class KafkaIntSetting {
    private KafkaIntSetting() {
    }

    /**
     * @param raw the value as given (null reads as empty; surrounding blanks are dropped)
     * @param lowest the smallest value the setting takes
     * @throws IllegalArgumentException in Kafka's words when {@code raw} is no number or below {@code lowest}
     */
    public static int parse(String name, String raw, int lowest) {
        String value = raw == null ? "" : raw.trim();
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                    + ": Not a number of type INT");
        }
        if (parsed < lowest) {
            throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                    + ": Value must be at least " + lowest);
        }
        return parsed;
    }
}
