package org.earshot.api;

import java.util.Objects;

/**
 * Who made a request: a name (the API key's name, the JWT's {@code sub}, or {@value #ANONYMOUS}), the role it holds
 * and how it proved it ({@code api-key}, {@code jwt} or {@code none}).
 */
public record Principal(String name, Role role, String scheme) {
    public static final String ANONYMOUS = "anonymous";
    public static final Principal PUBLIC = new Principal(ANONYMOUS, Role.PUBLIC, "none");

    public Principal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(scheme, "scheme");
    }
}
