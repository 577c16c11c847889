package dev.ferry.kafka.users;

import dev.ferry.access.AccessControl;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.User;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeUserScramCredentials: the SCRAM mechanisms and iterations each of the broker's users has
 * a credential for (the same users AMQP and HTTP clients log in as; a user made with a password has
 * both). No names, or an empty list, lists every user with at least one; a named user without any
 * gets RESOURCE_NOT_FOUND and a name asked twice DUPLICATE_RESOURCE, in Kafka's words. Needs the
 * administrator tag or an ACL allowing DESCRIBE on the cluster
 * ({@link KafkaAcls#allowedOnClusterExplicitly}), else CLUSTER_AUTHORIZATION_FAILED for the whole request.
 */
public final class DescribeUserScramCredentialsHandler implements ApiHandler {
    private final AccessControl access;
    private final KafkaAcls acls;

    public DescribeUserScramCredentialsHandler(AccessControl access, KafkaAcls acls) {
        this.access = access;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 0;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DescribeUserScramCredentialsRequestData data = (DescribeUserScramCredentialsRequestData) request;
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
        if (!acls.allowedOnClusterExplicitly(context, Operation.DESCRIBE)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message()));
        }
        if (data.users() == null || data.users().isEmpty()) {
            for (User user : access.users()) {
                List<CredentialInfo> infos = infos(user.hash());
                if (!infos.isEmpty()) {
                    response.results().add(new DescribeUserScramCredentialsResult().setUser(user.name())
                            .setCredentialInfos(infos));
                }
            }
            return CompletableFuture.completedFuture(response);
        }
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new HashSet<>();
        data.users().forEach(name -> {
            if (!seen.add(name.name())) {
                repeated.add(name.name());
            }
        });
        Set<String> answered = new HashSet<>();
        for (DescribeUserScramCredentialsRequestData.UserName name : data.users()) {
            if (!answered.add(name.name())) {
                continue;
            }
            DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(name.name());
            response.results().add(result);
            if (repeated.contains(name.name())) {
                result.setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                        .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request");
                continue;
            }
            List<CredentialInfo> infos = access.user(name.name()).map(user -> infos(user.hash())).orElse(List.of());
            if (infos.isEmpty()) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                        .setErrorMessage("Attempt to describe a user credential that does not exist");
            } else {
                result.setCredentialInfos(infos);
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static List<CredentialInfo> infos(PasswordHash hash) {
        List<CredentialInfo> infos = new ArrayList<>();
        for (PasswordHash.ScramMechanism mechanism : ScramMechanisms.LISTED) {
            Optional<PasswordHash.ScramCredential> credential = hash.scram(mechanism);
            credential.ifPresent(c -> infos.add(new CredentialInfo().setMechanism(mechanism.kafkaCode())
                    .setIterations(c.iterations())));
        }
        return infos;
    }
}
