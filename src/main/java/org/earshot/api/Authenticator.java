package org.earshot.api;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.earshot.config.ApiKeyRegistry;

/**
 * Turns a request's credential headers into a {@link Principal}: none means {@link Principal#PUBLIC}; otherwise
 * exactly one credential, either {@code Authorization: Bearer <credential>} or {@code X-API-Key: <key>}. A credential
 * starting with {@value ApiKeyRegistry#KEY_PREFIX} is an API key, anything else with dots a JWT (refused when the
 * service has no {@link JwtVerifier}). Two credentials, even equal ones, are refused rather than one preferred: a
 * proxy that adds its own header must not silently change who the request is from. Pure and thread-safe.
 */
public final class Authenticator {
    public static final String API_KEY_SCHEME = "api-key";
    private static final String BEARER = "bearer";

    private final java.util.function.Supplier<ApiKeyRegistry> keys;
    private final JwtVerifier jwt;

    /** @param jwt the verifier for JWTs, or null when the service accepts API keys only */
    public Authenticator(ApiKeyRegistry keys, JwtVerifier jwt) {
        this(constant(Objects.requireNonNull(keys, "keys")), jwt);
    }

    /**
     * @param keys the current API keys, asked at each request (the service reloads the keys file when it changes,
     *             so that {@code earshot api-keys add} takes effect without a restart)
     */
    public Authenticator(java.util.function.Supplier<ApiKeyRegistry> keys, JwtVerifier jwt) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.jwt = jwt;
    }

    /** Who the request is from, or why its credential is refused. Header lists are all values of that header. */
    public Authentication authenticate(List<String> authorization, List<String> apiKey) {
        int count = authorization.size() + apiKey.size();
        if (count == 0) {
            return Authentication.anonymous();
        }
        if (count > 1) {
            return Authentication.refused("more than one credential (send one Authorization or one X-API-Key"
                    + " header)");
        }
        if (!apiKey.isEmpty()) {
            String key = apiKey.get(0).strip();
            if (!key.startsWith(ApiKeyRegistry.KEY_PREFIX)) {
                return Authentication.refused("X-API-Key must hold an API key (" + ApiKeyRegistry.KEY_PREFIX
                        + "...)");
            }
            return apiKey(key);
        }
        String header = authorization.get(0).strip();
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return Authentication.refused("Authorization must use the Bearer scheme");
        }
        String credential = header.substring(space + 1).strip();
        if (credential.isEmpty()) {
            return Authentication.refused("empty bearer credential");
        }
        if (credential.startsWith(ApiKeyRegistry.KEY_PREFIX)) {
            return apiKey(credential);
        }
        if (credential.indexOf('.') < 0) {
            return Authentication.refused("credential is neither an API key (" + ApiKeyRegistry.KEY_PREFIX
                    + "...) nor a JWT");
        }
        if (jwt == null) {
            return Authentication.refused("this service does not accept JWTs");
        }
        try {
            return Authentication.of(jwt.verify(credential));
        } catch (InvalidCredentialException e) {
            return Authentication.refused(e.getMessage());
        }
    }

    private Authentication apiKey(String key) {
        return keys.get().authenticate(key)
                .map(k -> Authentication.of(new Principal(k.name(), Role.grantable(k.role()).orElseThrow(),
                        API_KEY_SCHEME, k.keySha256().substring(0, 16))))
                .orElseGet(() -> Authentication.refused("unknown API key"));
    }

    /** A principal, or the reason the credential was refused (then the principal is {@link Principal#PUBLIC}). */
    public record Authentication(Principal principal, String refusal) {
        static Authentication anonymous() {
            return new Authentication(Principal.PUBLIC, null);
        }

        static Authentication of(Principal principal) {
            return new Authentication(principal, null);
        }

        static Authentication refused(String reason) {
            return new Authentication(Principal.PUBLIC, reason);
        }

        public boolean isRefused() {
            return refusal != null;
        }
    }

    private static java.util.function.Supplier<ApiKeyRegistry> constant(ApiKeyRegistry keys) {
        return () -> keys;
    }
}
