package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.io.IOException;
import java.util.List;

/**
 * {@code --argument x-max-length=10}-style options as a JSON object: a value that reads as a JSON
 * number, boolean, list or object is that (so {@code x-max-length} is the integer 10 a declare
 * needs), anything else is a string.
 */
final class KeyValues {
    private KeyValues() {
    }

    static ObjectNode parse(List<String> pairs, String option) throws CtlException {
        ObjectNode object = ManagementClient.JSON.createObjectNode();
        if (pairs == null) {
            return object;
        }
        for (String pair : pairs) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new CtlException(ExitCodes.USAGE, option + " takes NAME=VALUE, got '" + pair + "'");
            }
            object.set(pair.substring(0, equals), value(pair.substring(equals + 1)));
        }
        return object;
    }

    private static JsonNode value(String text) {
        try {
            JsonNode parsed = ManagementClient.JSON.readTree(text);
            if (parsed != null && !parsed.isMissingNode() && !parsed.isTextual()) {
                return parsed;
            }
        } catch (IOException e) {
            // Not JSON: the text itself.
        }
        return ManagementClient.JSON.getNodeFactory().textNode(text);
    }
}
