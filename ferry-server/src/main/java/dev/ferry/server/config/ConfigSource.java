package dev.ferry.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where a setting comes from when the command line does not give it: first the environment
 * ({@code FERRY_AMQP_PORT} for the setting {@code amqp-port}), then the configuration file
 * ({@code amqp-port = 5672}, Java properties syntax). Command-line flags beat both; picocli asks
 * this source only for options the user did not pass.
 */
public final class ConfigSource {
    /** File settings under Kafka's own names: {@code kafka.num.partitions = 3}. */
    public static final String KAFKA_PREFIX = "kafka.";
    private final Map<String, String> environment;
    private final Properties file;
    private final Path filePath;

    private ConfigSource(Map<String, String> environment, Properties file, Path filePath) {
        this.environment = environment;
        this.file = file;
        this.filePath = filePath;
    }

    /**
     * Reads the configuration file if one is named (by {@code --config} or {@code FERRY_CONFIG});
     * a named file that does not exist is an error, because silently running with defaults would
     * hide a typo in a deployment.
     */
    public static ConfigSource load(Path configFile, Map<String, String> environment) {
        Properties properties = new Properties();
        if (configFile != null) {
            try (InputStream in = Files.newInputStream(configFile)) {
                properties.load(in);
            } catch (NoSuchFileException e) {
                throw new ConfigException("configuration file " + configFile + " does not exist");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read configuration file " + configFile, e);
            }
        }
        return new ConfigSource(environment, properties, configFile);
    }

    /** The environment variable that sets a setting: {@code amqp-port} is {@code FERRY_AMQP_PORT}. */
    public static String environmentName(String setting) {
        return "FERRY_" + setting.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    /** The value for a setting, or {@code null} when neither the environment nor the file sets it. */
    public String lookup(String setting) {
        String fromEnvironment = environment.get(environmentName(setting));
        if (fromEnvironment != null) {
            return fromEnvironment;
        }
        String fromFile = file.getProperty(setting);
        return fromFile == null ? null : fromFile.trim();
    }

    /** The file's {@code kafka.NAME} settings by Kafka name ({@code NAME}), in name order. */
    public Map<String, String> kafkaSettings() {
        Map<String, String> settings = new java.util.TreeMap<>();
        for (String key : file.stringPropertyNames()) {
            if (key.startsWith(KAFKA_PREFIX)) {
                settings.put(key.substring(KAFKA_PREFIX.length()), file.getProperty(key).trim());
            }
        }
        return settings;
    }

    /** Settings in the file that no option knows, so that a misspelt key is reported, not ignored. */
    public java.util.Set<String> fileSettings() {
        return file.stringPropertyNames();
    }

    public Path filePath() {
        return filePath;
    }
}
