package dev.ferry.http;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The window of RabbitMQ's {@code /api/health/checks/certificate-expiration/{within}/{unit}}: a
 * certificate fails the check when it ends before now plus {@code within} days, weeks, months or
 * years (calendar months and years, in UTC). {@code within} is a whole number, a sign allowed; a
 * negative one looks into the past, so only certificates that ended that long ago fail.
 */
final class CertificateExpiry {
    static final String INVALID_VALUE = "Invalid expiration value.";
    static final String INVALID_UNIT = "Time unit not recognised. Supported units: days, weeks, months, years.";
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");
    /** How RabbitMQ shows when a certificate ends. */
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private CertificateExpiry() {
    }

    /** The end of the window; 400 with RabbitMQ's words for a value that is not a whole number or an unknown unit. */
    static Instant deadline(String within, String unit, Instant now) {
        if (!WHOLE_NUMBER.matcher(within).matches()) {
            throw ApiException.badRequest(INVALID_VALUE);
        }
        BigInteger amount = new BigInteger(within);
        // Past any calendar Java knows, every certificate ends inside the window (or none, looking back).
        long clamped = amount.bitLength() < 32 ? amount.intValue() : amount.signum() * (long) Integer.MAX_VALUE;
        OffsetDateTime start = now.atOffset(ZoneOffset.UTC);
        try {
            OffsetDateTime end = switch (unit.toLowerCase(Locale.ROOT)) {
                case "days" -> start.plusDays(clamped);
                case "weeks" -> start.plusWeeks(clamped);
                case "months" -> start.plusMonths(clamped);
                case "years" -> start.plusYears(clamped);
                default -> throw ApiException.badRequest(INVALID_UNIT);
            };
            return end.toInstant();
        } catch (DateTimeException | ArithmeticException e) {
            return clamped > 0 ? Instant.MAX : Instant.MIN;
        }
    }

    /** When each of {@code certificates} that ends before {@code deadline} ends, as RabbitMQ writes it (UTC). */
    static List<String> endingBefore(List<X509Certificate> certificates, Instant deadline) {
        List<String> ending = new ArrayList<>();
        for (X509Certificate certificate : certificates) {
            Instant end = certificate.getNotAfter().toInstant();
            if (end.isBefore(deadline)) {
                ending.add(SHOWN.format(end));
            }
        }
        return ending;
    }
}
