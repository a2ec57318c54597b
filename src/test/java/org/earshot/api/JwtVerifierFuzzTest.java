package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for the JWT verifier ({@code bench/fuzz.sh} fuzzes it; a normal test run replays the seeds in
 * {@code JwtVerifierFuzzTestInputs/}). Half the inputs are raw tokens; the other half are a header and a payload of
 * any content, correctly signed, so that the claims checks behind the signature are reached. Contract: a token gives
 * a principal or an {@link InvalidCredentialException}, nothing else, and quickly; a principal's name is 1 to 128
 * visible ASCII characters; a token made from valid claims verifies to its subject and role.
 *
 * <p>Input: {@code T} and a raw token; {@code S}, a header line and the payload, signed; {@code V} and a subject, made
 * into a valid token (operator role).
 */
class JwtVerifierFuzzTest {
    static final long NOW = 1_796_000_000L;
    static final JwtVerifier VERIFIER = new JwtVerifier(TestJwt.SECRET, TestJwt.AUDIENCE, null,
            Duration.ofSeconds(30), Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

    @FuzzTest
    void verify(byte[] input) {
        if (input.length == 0) {
            return;
        }
        String rest = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        String token;
        String validSubject = null;
        String validRole = null;
        if (input[0] == 'S') {
            int newline = rest.indexOf('\n');
            token = newline < 0 ? TestJwt.signed(rest, "{}")
                    : TestJwt.signed(rest.substring(0, newline), rest.substring(newline + 1));
        } else if (input[0] == 'V') {
            validRole = "operator";
            validSubject = rest;
            token = TestJwt.valid(new com.google.gson.JsonPrimitive(rest).toString().replaceAll("^\"|\"$", ""),
                    validRole, NOW);
        } else {
            token = rest;
        }
        Principal p;
        try {
            p = VERIFIER.verify(token);
        } catch (InvalidCredentialException e) {
            assertNotNull(e.getMessage());
            assertTrue(validSubject == null || !validSubject.matches("[\\x21-\\x7e]{1,128}")
                    || token.length() > JwtVerifier.MAX_TOKEN_CHARS, "refused a valid token: " + e.getMessage());
            return;
        }
        assertTrue(p.name().matches("[\\x21-\\x7e]{1,128}"), "subject " + p.name());
        assertEquals(JwtVerifier.SCHEME, p.scheme());
        if (validSubject != null) {
            assertEquals(validSubject, p.name());
            assertEquals(validRole, p.role().wireName());
        }
    }
}
