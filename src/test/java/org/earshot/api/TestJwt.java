package org.earshot.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builds compact JWS tokens from literal header and payload JSON, signed independently of {@link JwtVerifier}. */
final class TestJwt {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-test-secret".getBytes(StandardCharsets.US_ASCII);
    static final String AUDIENCE = "earshot-test";
    static final String HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    private TestJwt() {}

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static String signed(String header, String payload, byte[] secret) {
        String input = b64(header) + "." + b64(payload);
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(input, secret));
    }

    static String signed(String header, String payload) {
        return signed(header, payload, SECRET);
    }

    static byte[] hmac(String input, byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A valid token for this subject and role, expiring an hour after {@code nowSeconds}. */
    static String valid(String subject, String role, long nowSeconds) {
        return signed(HS256, "{\"sub\":\"" + subject + "\",\"role\":\"" + role + "\",\"aud\":\"" + AUDIENCE
                + "\",\"iat\":" + nowSeconds + ",\"exp\":" + (nowSeconds + 3600) + "}");
    }
}
