package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CertificateExpiryTest {
    private static final Instant NOW = Instant.parse("2026-01-31T10:00:00Z");

    @Test
    void shouldCountDaysWeeksAndCalendarMonthsAndYearsInUtc() {
        assertThat(CertificateExpiry.deadline("3", "days", NOW)).isEqualTo(Instant.parse("2026-02-03T10:00:00Z"));
        assertThat(CertificateExpiry.deadline("+2", "WEEKS", NOW)).isEqualTo(Instant.parse("2026-02-14T10:00:00Z"));
        assertThat(CertificateExpiry.deadline("1", "months", NOW)).as("the last day of a shorter month")
                .isEqualTo(Instant.parse("2026-02-28T10:00:00Z"));
        assertThat(CertificateExpiry.deadline("1", "Years", NOW)).isEqualTo(Instant.parse("2027-01-31T10:00:00Z"));
        assertThat(CertificateExpiry.deadline("-1", "days", NOW)).as("a window in the past")
                .isEqualTo(Instant.parse("2026-01-30T10:00:00Z"));
    }

    @Test
    void shouldTakeAWindowPastAnyCalendarAsForeverEitherWay() {
        assertThat(CertificateExpiry.deadline("99999999999999999999", "years", NOW)).isEqualTo(Instant.MAX);
        assertThat(CertificateExpiry.deadline("-99999999999", "days", NOW)).as("millions of years back")
                .isBefore(Instant.parse("-1000000-01-01T00:00:00Z"));
    }

    @Test
    void shouldRefuseWhatRabbitMqRefusesWithItsWordsValueFirst() {
        assertThatThrownBy(() -> CertificateExpiry.deadline("1.5", "days", NOW))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.reason()).isEqualTo("Invalid expiration value."));
        assertThatThrownBy(() -> CertificateExpiry.deadline("x", "day", NOW))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.reason()).isEqualTo("Invalid expiration value."));
        assertThatThrownBy(() -> CertificateExpiry.deadline("1", "day", NOW))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.reason())
                        .isEqualTo("Time unit not recognised. Supported units: days, weeks, months, years."));
    }
}
