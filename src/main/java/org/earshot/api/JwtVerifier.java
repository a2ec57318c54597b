package org.earshot.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.earshot.config.StrictJson;

/**
 * Verifies JSON Web Tokens (RFC 7519) signed with HS256 and a shared secret, and turns one into a {@link Principal}.
 * The algorithm is fixed by the service, never taken from the token: a header whose {@code alg} is not exactly the
 * string {@code "HS256"} ({@code none}, {@code HS512}, {@code RS256}, {@code "hs256"}, {@code "HS256 "}) is refused
 * before anything else is looked at, which closes the classic "alg: none" and algorithm-confusion attacks. The
 * signature is checked, in constant time, before any claim is trusted. Required claims: {@code exp}, {@code aud}
 * (containing the configured audience, as a string or in an array), {@code sub} and {@code role} (operator, auditor
 * or admin); {@code nbf} and {@code iat} must not lie in the future and {@code exp} not in the past, each with a
 * small leeway for clock skew; {@code iss} must match when an issuer is configured. Headers with {@code crit} are
 * refused (no extension is understood), JSON with a name given twice is refused (two parsers could read different
 * claims), and tokens longer than {@value #MAX_TOKEN_CHARS} characters are refused unparsed. Each refusal is an
 * {@link InvalidCredentialException} whose message is the reason; no message repeats the token. Thread-safe.
 */
public final class JwtVerifier {
    public static final String ALGORITHM = "HS256";
    public static final int MIN_SECRET_BYTES = 32;
    public static final int MAX_TOKEN_CHARS = 8192;
    public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(30);
    public static final Duration MAX_LEEWAY = Duration.ofMinutes(5);
    public static final String SCHEME = "jwt";
    /** Visible ASCII: the subject is written to the audit journal and must not smuggle line breaks into a log. */
    private static final Pattern SUBJECT = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");

    private final SecretKeySpec key;
    private final String audience;
    private final String issuer;
    private final long leewaySeconds;
    private final Clock clock;
    /**
     * Which secret verified a token, for the journal: {@code hs256:} and 16 hex digits of a domain-separated SHA-256
     * of the secret. It tells tokens of a rotated secret apart; like any token it would let someone test guesses of
     * a weak secret, which is why the secret must be random (at least 32 bytes).
     */
    private final String keyId;

    /**
     * @param secret   the HMAC key, at least {@value #MIN_SECRET_BYTES} bytes (RFC 7518 3.2: at least the hash size)
     * @param audience the value {@code aud} must hold: this service's name for itself
     * @param issuer   the value {@code iss} must have, or null to accept any issuer
     * @param leeway   tolerated clock skew, 0 to {@link #MAX_LEEWAY}
     */
    public JwtVerifier(byte[] secret, String audience, String issuer, Duration leeway, Clock clock) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the JWT secret must have at least " + MIN_SECRET_BYTES
                    + " bytes, got " + (secret == null ? 0 : secret.length));
        }
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("the JWT audience must be set: without it a token issued for another"
                    + " service would be accepted here");
        }
        if (issuer != null && issuer.isBlank()) {
            throw new IllegalArgumentException("the JWT issuer must be null (any) or non-blank");
        }
        this.keyId = keyId(secret);
        if (leeway == null || leeway.isNegative() || leeway.compareTo(MAX_LEEWAY) > 0) {
            throw new IllegalArgumentException("the JWT leeway must be between 0 and " + MAX_LEEWAY + ", got "
                    + leeway);
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.audience = audience;
        this.issuer = issuer;
        this.leewaySeconds = leeway.toSeconds();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The principal the token names, or the reason it is refused. */
    public Principal verify(String token) throws InvalidCredentialException {
        if (token == null || token.isEmpty()) {
            throw new InvalidCredentialException("empty token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidCredentialException("token longer than " + MAX_TOKEN_CHARS + " characters");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidCredentialException("malformed token: a JWS in compact form has 3 parts separated by"
                    + " '.', got " + parts.length);
        }
        JsonObject header = object(decode(parts[0], "header"), "header");
        checkHeader(header);
        byte[] signature = decode(parts[2], "signature");
        byte[] expected = sign(parts[0] + "." + parts[1]);
        if (!MessageDigest.isEqual(expected, signature)) {
            throw new InvalidCredentialException("bad signature");
        }
        JsonObject claims = object(decode(parts[1], "payload"), "payload");
        return checkClaims(claims);
    }

    /** HMAC-SHA256 of the signing input; package-visible for tests that need correctly signed bad tokens. */
    byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has HmacSHA256", e);
        }
    }

    private static void checkHeader(JsonObject header) throws InvalidCredentialException {
        JsonElement alg = header.get("alg");
        if (alg == null) {
            throw new InvalidCredentialException("header has no alg; only " + ALGORITHM + " is accepted");
        }
        if (!isString(alg) || !alg.getAsString().equals(ALGORITHM)) {
            throw new InvalidCredentialException("alg " + describe(alg) + " is not accepted; only " + ALGORITHM
                    + " is");
        }
        JsonElement typ = header.get("typ");
        if (typ != null && !(isString(typ) && typ.getAsString().equalsIgnoreCase("JWT"))) {
            throw new InvalidCredentialException("typ " + describe(typ) + " is not accepted; only JWT is");
        }
        if (header.has("crit")) {
            throw new InvalidCredentialException("header has crit: no JWS extension is supported");
        }
    }

    private Principal checkClaims(JsonObject claims) throws InvalidCredentialException {
        BigDecimal now = BigDecimal.valueOf(clock.millis()).movePointLeft(3);
        BigDecimal leeway = BigDecimal.valueOf(leewaySeconds);
        BigDecimal exp = numericDate(claims, "exp", true);
        if (now.compareTo(exp.add(leeway)) >= 0) {
            throw new InvalidCredentialException("token expired");
        }
        BigDecimal nbf = numericDate(claims, "nbf", false);
        if (nbf != null && nbf.compareTo(now.add(leeway)) > 0) {
            throw new InvalidCredentialException("token not valid yet (nbf in the future)");
        }
        BigDecimal iat = numericDate(claims, "iat", false);
        if (iat != null && iat.compareTo(now.add(leeway)) > 0) {
            throw new InvalidCredentialException("token issued in the future (iat)");
        }
        checkAudience(claims.get("aud"));
        if (issuer != null) {
            JsonElement iss = claims.get("iss");
            if (iss == null) {
                throw new InvalidCredentialException("missing iss");
            }
            if (!isString(iss) || !iss.getAsString().equals(issuer)) {
                throw new InvalidCredentialException("wrong issuer");
            }
        }
        JsonElement sub = claims.get("sub");
        if (sub == null || !isString(sub) || !SUBJECT.matcher(sub.getAsString()).matches()) {
            throw new InvalidCredentialException("missing or invalid sub (1 to 128 visible ASCII characters)");
        }
        JsonElement role = claims.get("role");
        if (role == null) {
            throw new InvalidCredentialException("missing role claim");
        }
        if (!isString(role)) {
            throw new InvalidCredentialException("role claim must be a string");
        }
        Role granted = Role.grantable(role.getAsString()).orElseThrow(() -> new InvalidCredentialException(
                "role claim must be one of operator, auditor, admin"));
        return new Principal(sub.getAsString(), granted, SCHEME, keyId);
    }

    private void checkAudience(JsonElement aud) throws InvalidCredentialException {
        if (aud == null) {
            throw new InvalidCredentialException("missing aud");
        }
        if (isString(aud)) {
            if (!aud.getAsString().equals(audience)) {
                throw new InvalidCredentialException("wrong audience");
            }
            return;
        }
        if (!aud.isJsonArray()) {
            throw new InvalidCredentialException("aud must be a string or an array of strings");
        }
        boolean found = false;
        for (JsonElement a : aud.getAsJsonArray()) {
            if (!isString(a)) {
                throw new InvalidCredentialException("aud must be a string or an array of strings");
            }
            found |= a.getAsString().equals(audience);
        }
        if (!found) {
            throw new InvalidCredentialException("wrong audience");
        }
    }

    private static BigDecimal numericDate(JsonObject claims, String name, boolean required)
            throws InvalidCredentialException {
        JsonElement e = claims.get(name);
        if (e == null) {
            if (required) {
                throw new InvalidCredentialException("missing " + name);
            }
            return null;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
            throw new InvalidCredentialException(name + " must be a number (seconds since the epoch)");
        }
        BigDecimal seconds = e.getAsBigDecimal();
        // Bounded before any arithmetic: 1e100000099 is a short JSON number whose sum with the leeway takes minutes
        // of BigInteger work (found by JwtVerifierFuzzTest). Only precision, scale and compareTo are used here,
        // which look at the exponent first and cost nothing.
        if (seconds.signum() < 0 || seconds.scale() > MAX_NUMERIC_DATE_DECIMALS
                || seconds.compareTo(MAX_NUMERIC_DATE) > 0) {
            throw new InvalidCredentialException(name + " must be seconds since the epoch from 0 to "
                    + MAX_NUMERIC_DATE + " (9999-12-31T23:59:59Z) with at most " + MAX_NUMERIC_DATE_DECIMALS
                    + " decimals");
        }
        return seconds;
    }

    /** The last second of 9999, the latest time the API speaks of; NumericDates beyond it are refused. */
    static final BigDecimal MAX_NUMERIC_DATE = BigDecimal.valueOf(253_402_300_799L);
    static final int MAX_NUMERIC_DATE_DECIMALS = 9;

    private static byte[] decode(String part, String what) throws InvalidCredentialException {
        // Only the canonical unpadded base64url form: a second spelling of the same bytes is a second token.
        if (!BASE64URL.matcher(part).matches() || part.length() % 4 == 1) {
            throw new InvalidCredentialException("malformed token: " + what + " is not base64url");
        }
        byte[] bytes = Base64.getUrlDecoder().decode(part);
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(part)) {
            throw new InvalidCredentialException("malformed token: " + what + " is not canonical base64url");
        }
        return bytes;
    }

    /** Claims and headers are small: deeper nesting is an attack on the parser, not a token. */
    private static final int MAX_JSON_DEPTH = 16;

    private static JsonObject object(byte[] bytes, String what) throws InvalidCredentialException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidCredentialException("malformed token: " + what + " is not UTF-8");
        }
        JsonElement root;
        try {
            root = StrictJson.parseStrict(text, MAX_JSON_DEPTH);
        } catch (StrictJson.Problem p) {
            // The parser's message is left out: it may quote the claims.
            throw new InvalidCredentialException("malformed token: " + what + switch (p.kind()) {
                case DUPLICATE_NAME -> " has a name twice";
                case TOO_DEEP -> " is nested too deeply";
                case TRAILING_DATA -> " has more after its JSON object";
                case MALFORMED -> " is not valid JSON";
            });
        }
        if (!root.isJsonObject()) {
            throw new InvalidCredentialException("malformed token: " + what + " is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** The header value for a reason: alg names are short and public, but bounded and quoted all the same. */
    private static String describe(JsonElement e) {
        if (!isString(e)) {
            return "(not a string)";
        }
        String s = e.getAsString();
        return s.length() <= 16 && s.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
                ? new JsonPrimitive(s).toString() : "(a string of " + s.length() + " characters)";
    }

    @Override
    public String toString() {
        return "JwtVerifier[alg=" + ALGORITHM + ", aud=" + audience + ", iss=" + issuer + ", leeway="
                + leewaySeconds + "s]";
    }

    static String keyId(byte[] secret) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update("earshot jwt key id\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return "hs256:" + java.util.HexFormat.of().formatHex(sha.digest(secret), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
