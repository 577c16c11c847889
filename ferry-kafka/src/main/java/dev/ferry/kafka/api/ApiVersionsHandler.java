package dev.ferry.kafka.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ApiVersions: the API keys and version ranges this broker serves, exactly those of the registered
 * handlers (this one included). A request of a version newer than this handler's is answered by
 * the connection itself, in version 0, with UNSUPPORTED_VERSION and this key's range (KIP-511),
 * so that the client retries with a version both sides know: see {@link #unsupportedVersionResponse()}.
 */
public final class ApiVersionsHandler implements ApiHandler {
    private final ApiHandlers handlers;

    public ApiVersionsHandler(ApiHandlers handlers) {
        this.handlers = handlers;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.API_VERSIONS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 4;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        ApiVersionsRequestData data = (ApiVersionsRequestData) request;
        ApiVersionsResponseData response = new ApiVersionsResponseData().setErrorCode(Errors.NONE.code());
        // v3+ requests name the client software; Kafka refuses names outside [a-zA-Z0-9._-].
        if (context.apiVersion() >= 3 && !(valid(data.clientSoftwareName()) && valid(data.clientSoftwareVersion()))) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        ApiVersionCollection keys = new ApiVersionCollection();
        for (ApiHandler handler : handlers.all()) {
            keys.add(new ApiVersion().setApiKey(handler.apiKey().id).setMinVersion(handler.oldestVersion())
                    .setMaxVersion(handler.latestVersion()));
        }
        response.setApiKeys(keys);
        return CompletableFuture.completedFuture(response);
    }

    /** The answer to an ApiVersions request newer than any version served, to be written in version 0. */
    public ApiVersionsResponseData unsupportedVersionResponse() {
        ApiVersionCollection keys = new ApiVersionCollection();
        keys.add(new ApiVersion().setApiKey(apiKey().id).setMinVersion(oldestVersion()).setMaxVersion(latestVersion()));
        return new ApiVersionsResponseData().setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setApiKeys(keys);
    }

    private static boolean valid(String name) {
        return name != null && !name.isEmpty() && name.matches("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
    }
}
