package dev.ferry.kafka.users;

import dev.ferry.access.AccessControl;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.PasswordHash.ScramMechanism;
import dev.ferry.access.User;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.KafkaErrors;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterUserScramCredentials: {@code kafka-configs --entity-type users --add-config SCRAM-SHA-256=[...]}
 * and {@code --delete-config}. The client sends a salted password; the broker keeps the stored and
 * server keys derived from it with the user ({@link PasswordHash#withScram}), in the access log
 * like every user change, durable before the answer. Upserting a user that does not exist creates
 * it, with no tags and no permissions (Kafka's users exist by their credentials; what they may do
 * is its ACLs). A new SCRAM-SHA-256 credential is also the user's password for AMQP, HTTP and
 * PLAIN; a user made here with SCRAM-SHA-512 only can log in by SCRAM-SHA-512 only.
 *
 * <p>Refusals per user, in Kafka's words: a user named twice in the request (DUPLICATE_RESOURCE,
 * every alteration of that user refused), an empty name or iterations outside 4096 to 16384
 * (UNACCEPTABLE_CREDENTIAL), an unknown mechanism (UNSUPPORTED_SASL_MECHANISM), deleting a
 * credential that is not there (RESOURCE_NOT_FOUND). Needs the administrator tag or an ACL
 * allowing ALTER on the cluster ({@link KafkaAcls#allowedOnClusterExplicitly}: not merely the
 * allow-all of a broker without ACLs), else every user gets CLUSTER_AUTHORIZATION_FAILED.
 */
public final class AlterUserScramCredentialsHandler implements ApiHandler {
    private final AccessControl access;
    private final KafkaAcls acls;

    public AlterUserScramCredentialsHandler(AccessControl access, KafkaAcls acls) {
        this.access = access;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 0;
    }

    /** One requested change of one user's credential: a new one, or null to delete. */
    private record Change(ScramMechanism mechanism, PasswordHash.ScramCredential credential) {
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        AlterUserScramCredentialsRequestData data = (AlterUserScramCredentialsRequestData) request;
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        Map<String, AlterUserScramCredentialsResult> results = new LinkedHashMap<>();
        Map<String, Integer> alterations = new LinkedHashMap<>();
        data.deletions().forEach(d -> alterations.merge(d.name(), 1, Integer::sum));
        data.upsertions().forEach(u -> alterations.merge(u.name(), 1, Integer::sum));
        alterations.keySet().forEach(name -> results.put(name, new AlterUserScramCredentialsResult().setUser(name)));
        response.results().addAll(results.values());
        if (!acls.allowedOnClusterExplicitly(context, Operation.ALTER)) {
            results.values().forEach(result -> refuse(result, Errors.CLUSTER_AUTHORIZATION_FAILED,
                    Errors.CLUSTER_AUTHORIZATION_FAILED.message()));
            return CompletableFuture.completedFuture(response);
        }
        Map<String, Change> changes = new LinkedHashMap<>();
        for (ScramCredentialDeletion deletion : data.deletions()) {
            AlterUserScramCredentialsResult result = results.get(deletion.name());
            if (checkUser(deletion.name(), alterations, result) && checkMechanism(deletion.mechanism(), result)) {
                changes.put(deletion.name(), new Change(ScramMechanisms.of(deletion.mechanism()).orElseThrow(), null));
            }
        }
        for (ScramCredentialUpsertion upsertion : data.upsertions()) {
            AlterUserScramCredentialsResult result = results.get(upsertion.name());
            if (!checkUser(upsertion.name(), alterations, result) || !checkMechanism(upsertion.mechanism(), result)) {
                continue;
            }
            ScramMechanism mechanism = ScramMechanisms.of(upsertion.mechanism()).orElseThrow();
            if (upsertion.iterations() < ScramMechanisms.MIN_ITERATIONS) {
                refuse(result, Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
            } else if (upsertion.iterations() > ScramMechanisms.MAX_ITERATIONS) {
                refuse(result, Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
            } else if (upsertion.salt() == null || upsertion.salt().length == 0 || upsertion.saltedPassword() == null
                    || upsertion.saltedPassword().length != digestBytes(mechanism)) {
                refuse(result, Errors.UNACCEPTABLE_CREDENTIAL, "A " + mechanism.name().replace('_', '-')
                        + " credential needs a salt and a salted password of " + digestBytes(mechanism) + " bytes");
            } else {
                changes.put(upsertion.name(), new Change(mechanism, PasswordHash.scramCredential(mechanism,
                        upsertion.salt(), upsertion.iterations(), upsertion.saltedPassword())));
            }
        }
        List<CompletableFuture<?>> pending = new ArrayList<>();
        changes.forEach((name, change) -> {
            AlterUserScramCredentialsResult result = results.get(name);
            boolean[] missing = new boolean[1];
            CompletableFuture<Boolean> stored;
            try {
                stored = access.updateUser(name, user -> apply(name, user, change, missing));
            } catch (RuntimeException e) {
                stored = CompletableFuture.failedFuture(e);
            }
            pending.add(stored.handle((changed, error) -> {
                if (error != null) {
                    refuse(result, KafkaErrors.of(error), KafkaErrors.message(error));
                } else if (missing[0]) {
                    refuse(result, Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
                }
                return null;
            }));
        });
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }

    /** The user after {@code change}, or null (nothing stored) when a deletion finds nothing to delete. */
    private static User apply(String name, User user, Change change, boolean[] missing) {
        if (change.credential() == null) {
            if (user == null || user.hash().scram(change.mechanism()).isEmpty()) {
                missing[0] = true;
                return null;
            }
            return new User(name, user.tags(), user.hash().withScram(change.mechanism(), null));
        }
        PasswordHash hash = user == null ? PasswordHash.NONE : user.hash();
        return new User(name, user == null ? Set.of() : user.tags(), hash.withScram(change.mechanism(), change.credential()));
    }

    private static boolean checkUser(String name, Map<String, Integer> alterations, AlterUserScramCredentialsResult result) {
        if (result.errorCode() != Errors.NONE.code()) {
            return false;
        }
        if (alterations.get(name) > 1) {
            refuse(result, Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
            return false;
        }
        if (name.isEmpty()) {
            refuse(result, Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
            return false;
        }
        return true;
    }

    private static boolean checkMechanism(byte code, AlterUserScramCredentialsResult result) {
        if (ScramMechanisms.of(code).isEmpty()) {
            refuse(result, Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
            return false;
        }
        return true;
    }

    private static int digestBytes(ScramMechanism mechanism) {
        return mechanism == ScramMechanism.SCRAM_SHA_256 ? 32 : 64;
    }

    private static void refuse(AlterUserScramCredentialsResult result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
