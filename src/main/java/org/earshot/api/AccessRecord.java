package org.earshot.api;

import java.util.Map;

/**
 * One API request as the journal records it: who (principal name and role; "anonymous" and "public" without
 * credentials), what (method, path, query parameters with any credential redacted), the status answered, how many
 * results it returned, why it was refused (null when allowed) and the client's address. Never a key or token.
 */
public record AccessRecord(String principal, String role, String method, String path, Map<String, String> parameters,
                           int status, long results, String refusal, String remoteAddress) {
    public AccessRecord {
        parameters = Map.copyOf(parameters);
    }
}
