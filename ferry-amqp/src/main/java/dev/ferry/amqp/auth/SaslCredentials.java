package dev.ferry.amqp.auth;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.text.LosslessUtf8;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A username and password taken from a connection.start-ok response, for the two mechanisms Ferry
 * offers:
 * <ul>
 *   <li>PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd}; the authorization id is ignored.</li>
 *   <li>AMQPLAIN: a field table with LOGIN and PASSWORD, sent as the table's entries without the
 *       table's own length prefix (some clients include the prefix; both are accepted).</li>
 * </ul>
 */
public record SaslCredentials(String username, String password) {
    public static final String PLAIN = "PLAIN";
    public static final String AMQPLAIN = "AMQPLAIN";
    /**
     * The user name comes from the client's verified TLS certificate; the response is ignored, as
     * RabbitMQ's rabbitmq_auth_mechanism_ssl does. Offered only on TLS connections whose listener
     * asks for client certificates.
     */
    public static final String EXTERNAL = "EXTERNAL";
    /** The mechanisms connection.start offers, space-separated as the spec asks. */
    public static final String MECHANISMS = PLAIN + " " + AMQPLAIN;

    /** The credentials in {@code response}, or {@code null} for an unknown mechanism or malformed response. */
    public static SaslCredentials parse(String mechanism, byte[] response) {
        if (PLAIN.equals(mechanism)) {
            return parsePlain(response);
        }
        if (AMQPLAIN.equals(mechanism)) {
            return parseAmqPlain(response);
        }
        return null;
    }

    private static SaslCredentials parsePlain(byte[] response) {
        int first = indexOf(response, 0);
        int second = first < 0 ? -1 : indexOf(response, first + 1);
        if (second < 0) {
            return null;
        }
        // Decoded without replacement characters, so bytes that are not UTF-8 never match a real name.
        String username = LosslessUtf8.decode(response, first + 1, second - first - 1);
        String password = LosslessUtf8.decode(response, second + 1, response.length - second - 1);
        return new SaslCredentials(username, password);
    }

    private static SaslCredentials parseAmqPlain(byte[] response) {
        Map<String, Object> table = readEntries(response);
        if (table == null) {
            return null;
        }
        Object login = table.get("LOGIN");
        Object password = table.get("PASSWORD");
        if (login == null || password == null) {
            return null;
        }
        return new SaslCredentials(textOf(login), textOf(password));
    }

    private static Map<String, Object> readEntries(byte[] response) {
        ByteBuf prefixed = Unpooled.buffer(response.length + 4).writeInt(response.length).writeBytes(response);
        try {
            return FieldTableCodec.readTable(prefixed);
        } catch (RuntimeException entriesNotBare) {
            try {
                return FieldTableCodec.readTable(Unpooled.wrappedBuffer(response));
            } catch (RuntimeException malformed) {
                return null;
            }
        }
    }

    private static String textOf(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "SaslCredentials[username=" + username + "]";
    }
}
