package dev.ferry.server.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;

/**
 * rabbitmqctl's {@code set_policy}, {@code clear_policy}, {@code list_policies} and their
 * operator-policy twins, over {@code /api/policies} and {@code /api/operator-policies}. What each
 * prints and its exit code follow rabbitmqctl 3.10: a definition the broker refuses prints
 * {@code Error:} and RabbitMQ's validation text and exits 69; a virtual host that does not exist
 * prints just that and exits 65; clearing a policy that does not exist exits 69 with
 * "Parameter does not exist".
 */
final class PolicyCommands {
    static final List<String> COLUMN_KEYS = List.of("vhost", "name", "pattern", "apply-to", "definition", "priority");
    static final List<InfoTable.Column> COLUMNS = COLUMN_KEYS.stream().map(InfoTable.Column::same).toList();

    private final ManagementClient client;
    private final String vhost;
    private final Consumer<String> info;
    private final boolean operator;

    PolicyCommands(ManagementClient client, String vhost, Consumer<String> info, boolean operator) {
        this.client = client;
        this.vhost = vhost;
        this.info = info;
        this.operator = operator;
    }

    private String path() {
        return (operator ? "operator-policies/" : "policies/") + ManagementClient.segment(vhost);
    }

    void set(String name, String pattern, String definition, String priority, String applyTo) throws CtlException {
        long priorityValue;
        try {
            priorityValue = priority == null ? 0 : Long.parseLong(priority);
        } catch (NumberFormatException e) {
            throw new UsageException("Invalid options for this command:\n--priority : " + priority, null);
        }
        info.accept((operator ? "Setting operator policy override \"" : "Setting policy \"") + name
                + "\" for pattern \"" + pattern + "\" to \"" + definition + "\" with priority \"" + priorityValue
                + "\" for vhost \"" + vhost + "\" ...");
        JsonNode parsed;
        try {
            parsed = ManagementClient.JSON.readTree(definition);
        } catch (java.io.IOException e) {
            parsed = null;
        }
        if (parsed == null || parsed.isMissingNode()) {
            throw new CtlException(ExitCodes.UNAVAILABLE, "JSON decoding error. Reason: badarg");
        }
        ObjectNode body = ManagementClient.JSON.createObjectNode().put("pattern", pattern).put("priority", priorityValue)
                .put("apply-to", applyTo == null ? "all" : applyTo);
        body.set("definition", parsed);
        ManagementClient.Answer answer = client.put(path() + "/" + ManagementClient.segment(name), body);
        refuseMissingVirtualHost(answer);
        if (answer.status() == 400) {
            // The HTTP API escapes the text as HTML; rabbitmqctl prints it as it is.
            throw new CtlException(ExitCodes.UNAVAILABLE, answer.reason().replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&amp;", "&"));
        }
        answer.orFail();
    }

    void clear(String name) throws CtlException {
        info.accept((operator ? "Clearing operator policy \"" : "Clearing policy \"") + name + "\" on vhost \""
                + vhost + "\" ...");
        requireVirtualHost();
        ManagementClient.Answer answer = client.delete(path() + "/" + ManagementClient.segment(name));
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.UNAVAILABLE, "Parameter does not exist");
        }
        answer.orFail();
    }

    /** The rows, with each definition as the compact JSON text rabbitmqctl prints. */
    JsonNode list() throws CtlException {
        info.accept(operator ? "Listing operator policy overrides for vhost \"" + vhost + "\" ..."
                : "Listing policies for vhost \"" + vhost + "\" ...");
        ManagementClient.Answer answer = client.get(path());
        refuseMissingVirtualHost(answer);
        ArrayNode rows = ManagementClient.JSON.createArrayNode();
        for (JsonNode policy : answer.orFail().json()) {
            ObjectNode row = policy.deepCopy();
            row.put("definition", policy.path("definition").toString());
            rows.add(row);
        }
        return rows;
    }

    private void requireVirtualHost() throws CtlException {
        refuseMissingVirtualHost(client.get("vhosts/" + ManagementClient.segment(vhost)));
    }

    /** A 404 for the virtual host's path: rabbitmqctl's answer when the virtual host does not exist. */
    private void refuseMissingVirtualHost(ManagementClient.Answer answer) throws CtlException {
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.DATA_ERROR, "Virtual host '" + vhost + "' does not exist", true);
        }
    }
}
