package org.earshot.api;

import static org.earshot.api.TestJwt.AUDIENCE;
import static org.earshot.api.TestJwt.HS256;
import static org.earshot.api.TestJwt.b64;
import static org.earshot.api.TestJwt.signed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtVerifierTest {
    private static final long NOW = 1_800_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
    private static final JwtVerifier VERIFIER =
            new JwtVerifier(TestJwt.SECRET, AUDIENCE, null, Duration.ofSeconds(30), CLOCK);

    private static String claims(String extra) {
        return "{\"sub\":\"alice\",\"role\":\"auditor\",\"aud\":\"" + AUDIENCE + "\",\"exp\":" + (NOW + 600)
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static String reason(JwtVerifier verifier, String token) {
        String reason = assertThrows(InvalidCredentialException.class, () -> verifier.verify(token)).getMessage();
        // Whatever the reason, it never repeats the token or any of its parts.
        for (String part : token.split("\\.")) {
            if (part.length() > 8) {
                assertFalse(reason.contains(part), reason);
            }
        }
        return reason;
    }

    private static String reason(String token) {
        return reason(VERIFIER, token);
    }

    @Test
    void acceptsAValidTokenAndTakesSubjectAndRoleFromIt() throws Exception {
        Principal p = VERIFIER.verify(signed(HS256, claims("\"iat\":" + NOW + ",\"nbf\":" + NOW)));
        assertEquals(new Principal("alice", Role.AUDITOR, "jwt", JwtVerifier.keyId(TestJwt.SECRET)), p);
        assertEquals("jwt", p.credential());
        assertTrue(p.keyId().matches("hs256:[0-9a-f]{16}"), p.keyId());
        Principal op = VERIFIER.verify(signed("{\"alg\":\"HS256\"}", claims("").replace("auditor", "operator")));
        assertEquals(Role.OPERATOR, op.role());
    }

    @Test
    void refusesAlgNoneWithOrWithoutASignature() {
        String payload = b64(claims(""));
        assertTrue(reason(b64("{\"alg\":\"none\"}") + "." + payload + ".").contains("alg \"none\" is not accepted"));
        assertTrue(reason(b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + "."
                + b64("x")).contains("not accepted"));
        // Signed correctly with our secret but declaring none: still refused before the signature is looked at.
        assertTrue(reason(signed("{\"alg\":\"none\"}", claims(""))).contains("not accepted"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS512", "HS384", "RS256", "ES256", "PS256", "hs256", "Hs256", "HS256 ", " HS256",
            "HS256\\u0000", "NONE", "None", ""})
    void refusesEveryOtherAlgEvenWithAValidHs256Signature(String alg) {
        String reason = reason(signed("{\"alg\":\"" + alg + "\"}", claims("")));
        assertTrue(reason.contains("is not accepted; only HS256"), reason);
    }

    @Test
    void refusesAMissingOrNonStringAlgAndCrit() {
        assertTrue(reason(signed("{\"typ\":\"JWT\"}", claims(""))).contains("no alg"));
        assertTrue(reason(signed("{\"alg\":[\"HS256\"]}", claims(""))).contains("(not a string) is not accepted"));
        assertTrue(reason(signed("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}", claims("")))
                .contains("crit"));
        assertTrue(reason(signed("{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}", claims(""))).contains("typ"));
    }

    @Test
    void refusesAWrongOrMissingAudience() {
        assertEquals("wrong audience", reason(signed(HS256, claims("").replace(AUDIENCE, "other-service"))));
        assertEquals("wrong audience", reason(signed(HS256,
                claims("").replace("\"" + AUDIENCE + "\"", "[\"a\",\"b\"]"))));
        assertEquals("missing aud", reason(signed(HS256,
                "{\"sub\":\"alice\",\"role\":\"auditor\",\"exp\":" + (NOW + 600) + "}")));
        assertTrue(reason(signed(HS256, claims("").replace("\"" + AUDIENCE + "\"", "42")))
                .contains("aud must be a string or an array"));
    }

    @Test
    void acceptsTheAudienceInAnArray() throws Exception {
        String token = signed(HS256, claims("").replace("\"" + AUDIENCE + "\"", "[\"grafana\",\"" + AUDIENCE
                + "\"]"));
        assertEquals("alice", VERIFIER.verify(token).name());
    }

    @Test
    void refusesExpiredTokensBeyondTheLeewayOnly() throws Exception {
        String base = "{\"sub\":\"alice\",\"role\":\"auditor\",\"aud\":\"" + AUDIENCE + "\",\"exp\":";
        assertEquals("token expired", reason(signed(HS256, base + (NOW - 31) + "}")));
        assertEquals("token expired", reason(signed(HS256, base + (NOW - 30) + "}")));
        assertEquals("alice", VERIFIER.verify(signed(HS256, base + (NOW - 29) + "}")).name());
        assertEquals("missing exp", reason(signed(HS256, "{\"sub\":\"alice\",\"role\":\"auditor\",\"aud\":\""
                + AUDIENCE + "\"}")));
        assertTrue(reason(signed(HS256, base + "\"" + (NOW + 60) + "\"}")).contains("exp must be a number"));
    }

    /**
     * Found by JwtVerifierFuzzTest: {@code "exp":198599991e100000099} (a short, valid JSON number) cost the verifier
     * over 10 s of BigInteger arithmetic (adding the leeway). Times are now bounded before any arithmetic. Before the
     * fix the first and third cases here took that long, {@code 1e12} (year 33658) and the time finer than a
     * nanosecond were accepted, and {@code -1} was refused as expired.
     */
    @Test
    void refusesNumericDatesBeyondTheYear9999OrFinerThanNanosecondsBeforeComputingWithThem() throws Exception {
        String base = "{\"sub\":\"alice\",\"role\":\"auditor\",\"aud\":\"" + AUDIENCE + "\",\"exp\":";
        for (String exp : new String[] {"198599991e100000099", "1e12", "1e-100000000", "1800000600.0000000001",
                "-1"}) {
            assertTrue(reason(signed(HS256, base + exp + "}")).startsWith("exp must be seconds since the epoch from 0"),
                    exp);
        }
        assertTrue(reason(signed(HS256, claims("\"nbf\":1e100000099"))).startsWith("nbf must be seconds"));
        assertTrue(reason(signed(HS256, claims("\"iat\":-1e-100000099"))).startsWith("iat must be seconds"));
        assertEquals("alice", VERIFIER.verify(signed(HS256, base + "253402300799}")).name());
        assertEquals("alice", VERIFIER.verify(signed(HS256, base + "1800000600.123456789}")).name());
    }

    @Test
    void refusesNbfAndIatInTheFutureBeyondTheLeeway() throws Exception {
        assertEquals("token not valid yet (nbf in the future)",
                reason(signed(HS256, claims("\"nbf\":" + (NOW + 31)))));
        assertEquals("token issued in the future (iat)", reason(signed(HS256, claims("\"iat\":" + (NOW + 120)))));
        assertEquals("alice", VERIFIER.verify(signed(HS256, claims("\"nbf\":" + (NOW + 30)))).name());
    }

    @Test
    void refusesABadSignatureAndATamperedPayload() {
        String token = signed(HS256, claims(""));
        assertEquals("bad signature", reason(signed(HS256, claims(""),
                "another-secret-another-secret-another-secret".getBytes(StandardCharsets.US_ASCII))));
        String[] parts = token.split("\\.");
        String escalated = b64(claims("").replace("auditor", "admin"));
        assertEquals("bad signature", reason(parts[0] + "." + escalated + "." + parts[2]));
        assertEquals("bad signature", reason(parts[0] + "." + parts[1] + "."));
        assertEquals("bad signature", reason(parts[0] + "." + parts[1] + "." + parts[2].substring(0, 40)));
    }

    @Test
    void refusesMalformedTokens() {
        String token = signed(HS256, claims(""));
        String[] parts = token.split("\\.");
        assertTrue(reason("abc").contains("3 parts"));
        assertTrue(reason(token + ".x").contains("3 parts"));
        assertTrue(reason("a.b.c.d.e").contains("3 parts"));
        assertTrue(reason(parts[0] + "+/." + parts[1] + "." + parts[2]).contains("header is not base64url"));
        assertTrue(reason(parts[0] + "=." + parts[1] + "." + parts[2]).contains("not base64url"));
        assertTrue(reason(b64("not json") + "." + parts[1] + "." + parts[2]).contains("header is not"));
        assertTrue(reason(b64("[1,2]") + "." + parts[1] + "." + parts[2]).contains("not a JSON object"));
        assertTrue(reason(signed(HS256, "{\"sub\":\"alice\"")).contains("payload is not valid JSON"));
        assertTrue(reason(signed(HS256, "[\"x\"]")).contains("payload is not a JSON object"));
        assertTrue(reason(signed("{\"alg\":\"none\",\"alg\":\"HS256\"}", claims(""))).contains("a name twice"));
        assertTrue(reason(signed(HS256, claims("\"role\":\"admin\""))).contains("a name twice"));
        assertEquals("empty token", reason(""));
    }

    @Test
    void refusesOversizeTokensUnparsed() {
        String big = signed(HS256, claims("\"pad\":\"" + "x".repeat(JwtVerifier.MAX_TOKEN_CHARS) + "\""));
        assertEquals("token longer than " + JwtVerifier.MAX_TOKEN_CHARS + " characters", reason(big));
    }

    @Test
    void refusesMissingOrUnknownRolesAndPublic() {
        assertEquals("missing role claim", reason(signed(HS256, claims("").replace("\"role\":\"auditor\",", ""))));
        for (String role : new String[] {"public", "root", "Auditor", "ADMIN", ""}) {
            assertEquals("role claim must be one of operator, auditor, admin",
                    reason(signed(HS256, claims("").replace("auditor", role))), role);
        }
        assertEquals("role claim must be a string",
                reason(signed(HS256, claims("").replace("\"auditor\"", "[\"auditor\"]"))));
        assertTrue(reason(signed(HS256, claims("").replace("\"alice\"", "\"al ice\""))).contains("sub"));
        assertTrue(reason(signed(HS256, claims("").replace("\"sub\":\"alice\",", ""))).contains("sub"));
    }

    @Test
    void checksTheIssuerWhenOneIsConfigured() throws Exception {
        JwtVerifier withIssuer = new JwtVerifier(TestJwt.SECRET, AUDIENCE, "https://idp.example", Duration.ZERO,
                CLOCK);
        assertEquals("missing iss", reason(withIssuer, signed(HS256, claims(""))));
        assertEquals("wrong issuer", reason(withIssuer, signed(HS256, claims("\"iss\":\"https://evil.example\""))));
        assertEquals("alice", withIssuer.verify(signed(HS256, claims("\"iss\":\"https://idp.example\""))).name());
    }

    @Test
    void refusesWeakConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new JwtVerifier(new byte[31], AUDIENCE, null,
                Duration.ZERO, CLOCK));
        assertThrows(IllegalArgumentException.class, () -> new JwtVerifier(TestJwt.SECRET, " ", null,
                Duration.ZERO, CLOCK));
        assertThrows(IllegalArgumentException.class, () -> new JwtVerifier(TestJwt.SECRET, AUDIENCE, null,
                Duration.ofHours(1), CLOCK));
        assertFalse(VERIFIER.toString().contains(new String(TestJwt.SECRET, StandardCharsets.US_ASCII)));
    }
}
