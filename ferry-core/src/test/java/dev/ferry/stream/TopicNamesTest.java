package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/** Kafka's topic name rules, at the edges of each character range and of the length. */
class TopicNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "z", "A", "Z", "0", "9", "_", "-", "...", "orders.v2_eu-west", "x"})
    void shouldAcceptLettersDigitsDotsUnderscoresAndDashes(String name) {
        assertThatCode(() -> TopicNames.check(name)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    // The characters just outside each legal range: '`' '{' '@' '[' '/' ':', and others a client may send.
    @ValueSource(strings = {"`", "{", "@", "[", "/", ":", "a b", "é", "topic!", "a\u0000"})
    void shouldRefuseAnyOtherCharacter(String name) {
        assertInvalid(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", ".."})
    void shouldRefuseTheEmptyNameAndTheTwoDirectoryNames(String name) {
        assertInvalid(name);
    }

    @Test
    void shouldSayWhatIsWrongInKafkasWords() {
        // As Kafka 4.3.1 answered the same CreateTopics.
        assertThatThrownBy(() -> TopicNames.check("bad name!")).hasMessage("Topic name is invalid: 'bad name!' contains "
                + "one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
        assertThatThrownBy(() -> TopicNames.check(".")).hasMessage("Topic name is invalid: '.' is not allowed");
        assertThatThrownBy(() -> TopicNames.check("..")).hasMessage("Topic name is invalid: '..' is not allowed");
        assertThatThrownBy(() -> TopicNames.check("")).hasMessage("Topic name is invalid: the empty string is not allowed");
        assertThatThrownBy(() -> TopicNames.check("x".repeat(250))).hasMessage("Topic name is invalid: the length of '"
                + "x".repeat(250) + "' is longer than the max allowed length 249");
    }

    @Test
    void shouldAcceptUpTo249Characters() {
        assertThatCode(() -> TopicNames.check("t".repeat(249))).doesNotThrowAnyException();
        assertInvalid("t".repeat(250));
    }

    @Test
    void shouldTreatDotsAndUnderscoresAsColliding() {
        assertThat(TopicNames.collisionKey("a.b_c")).isEqualTo(TopicNames.collisionKey("a_b.c"));
        assertThat(TopicNames.collisionKey("a.b")).isNotEqualTo(TopicNames.collisionKey("a-b"));
    }

    private static void assertInvalid(String name) {
        assertThatThrownBy(() -> TopicNames.check(name)).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.INVALID_TOPIC);
    }
}
