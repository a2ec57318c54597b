package org.earshot.api;

import java.util.Objects;

/**
 * Who made a request: a name (the API key's name, the JWT's {@code sub}, or {@value #ANONYMOUS}), the role it holds,
 * how it proved it ({@code api-key}, {@code jwt} or {@code none}) and which key vouched for it ({@code keyId}: for an
 * API key the first 16 hex digits of its SHA-256, as in the keys file; for a JWT the fingerprint of the secret that
 * verified it; null without a credential). A JWT whose {@code sub} equals an API key's name is thus told apart.
 */
public record Principal(String name, Role role, String scheme, String keyId) {
    public static final String ANONYMOUS = "anonymous";
    public static final Principal PUBLIC = new Principal(ANONYMOUS, Role.PUBLIC, "none", null);

    public Principal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(scheme, "scheme");
    }

    public Principal(String name, Role role, String scheme) {
        this(name, role, scheme, null);
    }

    /** The credential's kind as the journal records it: {@code api_key}, {@code jwt} or {@code none}. */
    public String credential() {
        return scheme.replace('-', '_');
    }
}
