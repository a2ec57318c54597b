package org.earshot.api;

import java.util.List;

/**
 * What {@link QueryService} needs of an HTTP request: method, the undecoded path and query string, every value of
 * the credential headers, the Accept header and the client's address. Built by {@link QueryApi} from Vert.x's
 * request, or directly by tests.
 */
public record ApiRequest(String method, String path, String rawQuery, List<String> authorization,
                         List<String> apiKey, String accept, String remoteAddress) {
    public ApiRequest {
        authorization = List.copyOf(authorization);
        apiKey = List.copyOf(apiKey);
    }

    /** Everything except the credentials, so that a logged request shows no key or token. */
    @Override
    public String toString() {
        return "ApiRequest[" + method + " " + path + (rawQuery == null ? "" : "?...") + " from " + remoteAddress
                + ", " + (authorization.size() + apiKey.size()) + " credential(s)]";
    }
}
