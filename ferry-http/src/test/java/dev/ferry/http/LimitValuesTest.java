package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.access.UserLimits;
import dev.ferry.access.VirtualHostLimits;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitValuesTest {

    private static Map<String, JsonNode> limits(String json) throws Exception {
        Map<String, JsonNode> limits = new LinkedHashMap<>();
        ApiRequest.JSON.readTree(json).fields().forEachRemaining(field -> limits.put(field.getKey(), field.getValue()));
        return limits;
    }

    @Test
    void shouldNameUnknownLimitsFirstThenEveryValueThatIsNotAWholeNumber() throws Exception {
        List<String> problems = LimitValues.problems(limits("{\"max-queues\":\"5\",\"max-zeta\":1,\"max-alpha\":[1,\"b\"],"
                + "\"max-connections\":2.0}"), LimitValues.VIRTUAL_HOST_NAMES, "limits");

        assertThat(problems).containsExactly(
                "Unrecognised terms [{<<\"max-alpha\">>,[1,<<\"b\">>]},{<<\"max-zeta\">>,1}] in limits",
                "max-queues should be a number, actually was <<\"5\">>",
                "max-connections should be a number, actually was 2.0");
    }

    @Test
    void shouldTakeNegativeNumbersAsNoLimitAndRefuseWhatAnIntCannotHold() throws Exception {
        Map<String, JsonNode> given = limits("{\"max-channels\":-5,\"max-connections\":0}");
        assertThat(LimitValues.problems(given, LimitValues.USER_NAMES, "user-limits")).isEmpty();
        assertThat(LimitValues.value(given.get("max-channels"))).isEqualTo(-1);
        assertThat(LimitValues.value(given.get("max-connections"))).as("0 allows none").isZero();
        assertThat(LimitValues.value(limits("{\"a\":-99999999999999}").get("a"))).isEqualTo(-1);

        assertThat(LimitValues.problems(limits("{\"max-channels\":99999999999999}"), LimitValues.USER_NAMES, "user-limits"))
                .containsExactly("max-channels should be at most 2147483647, actually was 99999999999999");
    }

    @Test
    void shouldShowOnlyTheLimitsThatAreSet() {
        assertThat(LimitValues.json(new VirtualHostLimits(-1, 7))).containsExactly(Map.entry("max-queues", 7));
        assertThat(LimitValues.json(new UserLimits(3, 0)))
                .containsExactly(Map.entry("max-connections", 3), Map.entry("max-channels", 0));
        assertThat(LimitValues.json(UserLimits.NONE)).isEmpty();
        assertThat(LimitValues.with(new VirtualHostLimits(3, 7), "max-queues", -1)).isEqualTo(new VirtualHostLimits(3, -1));
        assertThat(LimitValues.with(UserLimits.NONE, "max-channels", 4)).isEqualTo(new UserLimits(-1, 4));
    }
}
