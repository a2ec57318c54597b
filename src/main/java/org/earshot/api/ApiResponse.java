package org.earshot.api;

import java.util.Map;

/** A complete answer: status, headers and body text (JSON or CSV, UTF-8). */
public record ApiResponse(int status, Map<String, String> headers, String body) {
    public ApiResponse {
        headers = Map.copyOf(headers);
    }
}
