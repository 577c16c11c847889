package dev.ferry.server.ctl;

import java.io.IOException;
import java.io.Reader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where ferryctl finds the broker and who it logs in as. In order: {@code --url},
 * {@code --username}, {@code --password}; then {@code FERRY_URL}; then the credential file
 * ({@code FERRY_CTL_CREDENTIALS}, else {@code ~/.ferryctl} if it exists), a properties file with
 * {@code url}, {@code username} and {@code password}; then http://127.0.0.1:15672 and
 * guest/guest (which the broker accepts from loopback only). The file holds a password, so it must
 * not be readable by group or others: ferryctl refuses it otherwise, as ssh does a key.
 */
public record CtlCredentials(String url, String username, String password) {
    static final String DEFAULT_URL = "http://127.0.0.1:15672";
    private static final Pattern USER_INFO = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://([^/@:]*):([^/@]*)@");

    static CtlCredentials resolve(GlobalOptions options, Map<String, String> environment, Path home)
            throws CtlException {
        return resolve(options.url, options.username, options.password, environment, home);
    }

    /**
     * As above, from the three options (each null when not given). A URL with a user and password
     * in it ({@code http://guest:guest@host:15672}) gives them unless the options do; the URL
     * returned has them taken out.
     */
    public static CtlCredentials resolve(String optionUrl, String optionUsername, String optionPassword,
                                         Map<String, String> environment, Path home) throws CtlException {
        Properties file = new Properties();
        String named = environment.get("FERRY_CTL_CREDENTIALS");
        Path path = named != null && !named.isBlank() ? Path.of(named) : home == null ? null : home.resolve(".ferryctl");
        if (path != null && (named != null || Files.exists(path))) {
            file = read(path);
        }
        String url = first(optionUrl, environment.get("FERRY_URL"), file.getProperty("url"), DEFAULT_URL);
        String[] inUrl = userInfo(url);
        if (inUrl != null) {
            url = url.replaceFirst("//[^/@]*@", "//");
            optionUsername = first(optionUsername, inUrl[0]);
            optionPassword = first(optionPassword, inUrl[0].equals(optionUsername) ? inUrl[1] : null);
        }
        String username = first(optionUsername, file.getProperty("username"), "guest");
        boolean fileUser = optionUsername == null || optionUsername.equals(file.getProperty("username"));
        String password = first(optionPassword, fileUser ? file.getProperty("password") : null,
                username.equals("guest") ? "guest" : null);
        if (password == null) {
            throw new CtlException(ExitCodes.USAGE, "no password for user '" + username
                    + "': give --password or put it in the credential file");
        }
        return new CtlCredentials(url, username, password);
    }

    /** The user and password of {@code scheme://user:password@host...}, decoded; null without them. */
    private static String[] userInfo(String url) {
        Matcher matcher = USER_INFO.matcher(url);
        if (!matcher.find()) {
            return null;
        }
        return new String[] {URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8),
                URLDecoder.decode(matcher.group(2), StandardCharsets.UTF_8)};
    }

    private static Properties read(Path path) throws CtlException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new CtlException(ExitCodes.CONFIG, "credential file " + path
                        + " is readable by others; make it private with: chmod 600 " + path);
            }
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(path)) {
                properties.load(reader);
            }
            return properties;
        } catch (UnsupportedOperationException e) {
            throw new CtlException(ExitCodes.CONFIG, "cannot check who may read " + path);
        } catch (IOException e) {
            throw new CtlException(ExitCodes.CONFIG, "cannot read credential file " + path + ": " + e.getMessage());
        }
    }

    private static String first(String... values) {
        for (String value : values) {
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }
}
