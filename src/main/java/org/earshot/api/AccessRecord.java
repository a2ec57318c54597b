package org.earshot.api;

import java.util.Map;

/**
 * One API request as the journal records it: who (principal name and role; "anonymous" and "public" without
 * credentials), the kind of credential ({@code api_key}, {@code jwt} or {@code none}) and the id of the key that
 * vouched for it ({@link Principal#keyId()}, null without one), what (method, decoded path and query parameters
 * with any credential redacted, bounded in size), the status answered, how many results it returned, why it was
 * refused (null when allowed) and the client's address. Never a key or token.
 */
public record AccessRecord(String principal, String role, String credential, String keyId, String method,
                           String path, Map<String, String> parameters, int status, long results, String refusal,
                           String remoteAddress) {
    public AccessRecord {
        parameters = Map.copyOf(parameters);
    }
}
