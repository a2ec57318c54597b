package org.earshot.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.earshot.config.ApiKeyRegistry;
import org.earshot.config.SensorRecord;
import org.earshot.detect.Labels;
import org.earshot.pipeline.OutputJson;

/**
 * Parsing and validation of the query API's parameters, as pure functions from the raw query string to checked
 * values, so every rule can be tested without HTTP. Nothing is clamped or guessed: an unknown parameter, a single
 * parameter given twice, a value out of range or an empty range is a {@link BadParameterException} naming the
 * parameter. Times are ISO-8601 instants ({@code 2026-11-29T10:00:00Z}, or with an offset, which in a URL must be
 * written {@code %2B01:00}), dates are ISO local dates in UTC, cursors are opaque strings made by
 * {@link #encodeCursor}. Credentials in the query string are refused outright, whatever the endpoint, because URLs
 * end up in proxy and access logs.
 */
public final class QueryParameters {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_TRANSPARENCY_DAYS = 30;
    public static final int MAX_TRANSPARENCY_DAYS = 366;
    /** At most this many sensors, classes or types in one filter. */
    public static final int MAX_VALUES = 100;
    /** Parameter names that carry credentials in other APIs; refused so that a key never sits in a URL. */
    public static final Set<String> CREDENTIAL_NAMES = Set.of("api_key", "apikey", "api-key", "key", "token",
            "access_token", "id_token", "jwt", "auth", "authorization", "bearer", "x-api-key", "password", "secret");
    /** Journal entry types: lower-case words as the journal names them. */
    public static final Pattern ENTRY_TYPE = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");

    private static final String CURSOR_PREFIX = "s";
    /** A key's prefix and enough of its body to be one, not a sensor called "desk_1". */
    private static final Pattern KEY_LIKE =
            Pattern.compile("(?<![A-Za-z0-9])" + ApiKeyRegistry.KEY_PREFIX + "[A-Za-z0-9_-]{16,}");
    /** A JWT's header always starts with {"  (eyJ in base64url); two dots follow. */
    private static final Pattern JWT_LIKE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.");
    private static final Pattern JWT_WHOLE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");
    /**
     * For redaction before anything is stored: the key prefix and a key's body anywhere, whatever precedes it (a
     * parameter name {@code xesk_...} must not slip through).
     */
    private static final Pattern KEY_ANYWHERE = Pattern.compile(ApiKeyRegistry.KEY_PREFIX + "[A-Za-z0-9_-]{8,}",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern PERCENT = Pattern.compile("%([0-9A-Fa-f]{2})");
    /** What the journal keeps of one request: bounded, so that a request's size is not the journal's growth. */
    static final int AUDIT_VALUE_CHARS = 100;
    static final int AUDIT_MAX_PARAMETERS = 16;
    static final int AUDIT_PATH_CHARS = 200;
    private static final String REDACTED = "<redacted>";

    private QueryParameters() {}

    /** Detections in a format; the query's afterSeq is -1 when no cursor was given. */
    public record DetectionsRequest(DetectionQuery query, Format format) {}

    public enum Format { JSON, CSV }

    public record EntriesRequest(long afterSeq, int limit, Set<String> types) {}

    public record CheckpointsRequest(long afterTreeSize, int limit) {}

    public record ConsistencyRequest(long fromSize, long toSize) {}

    public record TransparencyRequest(LocalDate from, LocalDate to) {}

    /**
     * The parameters of a raw (still percent-encoded) query string, in order, each with all its values; null or
     * empty gives none. {@code a} and {@code a=} both give an empty value.
     */
    public static Map<String, List<String>> parse(String rawQuery) throws BadParameterException {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (name.isEmpty()) {
                throw new BadParameterException("a query parameter has no name");
            }
            params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return params;
    }

    private static String decode(String s) throws BadParameterException {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadParameterException("malformed percent-encoding in the query string");
        }
    }

    /** Refuses a parameter named like a credential, or a value that looks like an API key or a JWT. */
    public static void refuseCredentials(Map<String, List<String>> params) throws BadParameterException {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (CREDENTIAL_NAMES.contains(p.getKey().toLowerCase(Locale.ROOT))
                    || p.getValue().stream().anyMatch(QueryParameters::looksLikeCredential)) {
                throw new BadParameterException("credentials in the URL are refused (they end up in logs); send"
                        + " them in an Authorization: Bearer header");
            }
        }
    }

    /** Refuses credentials in the URL, then any parameter the endpoint does not take. */
    public static void requireOnly(Map<String, List<String>> params, Endpoint endpoint) throws BadParameterException {
        refuseCredentials(params);
        Set<String> unknown = new TreeSet<>(params.keySet());
        endpoint.parameters().forEach(unknown::remove);
        if (!unknown.isEmpty()) {
            throw new BadParameterException("unknown parameter" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown.stream().map(QueryParameters::printable).toList()) + " (this endpoint"
                    + (endpoint.parameters().isEmpty() ? " takes none)"
                    : " takes " + String.join(", ", endpoint.parameters()) + ")"));
        }
    }

    /** {@code GET /api/v1/detections}. {@code accept} is the Accept header, consulted only without {@code format}. */
    public static DetectionsRequest detections(Map<String, List<String>> params, String accept)
            throws BadParameterException {
        requireOnly(params, Endpoint.DETECTIONS);
        Long from = instant(params, "from");
        Long to = instant(params, "to");
        if (from != null && to != null && from >= to) {
            throw new BadParameterException("from must be before to");
        }
        Set<String> sensors = list(params, "sensor", SensorRecord.ID_PATTERN, "a sensor id");
        Set<String> classes = list(params, "class", null, null);
        for (String c : classes) {
            if (!Labels.CLASSES.contains(c)) {
                throw new BadParameterException("class " + printable(c) + " is not one of "
                        + String.join(", ", Labels.CLASSES));
            }
        }
        Double minConfidence = null;
        String mc = single(params, "min_confidence");
        if (mc != null) {
            try {
                minConfidence = Double.parseDouble(mc);
            } catch (NumberFormatException e) {
                minConfidence = Double.NaN;
            }
            if (!(minConfidence >= 0 && minConfidence <= 1) || !mc.matches("[0-9.eE+-]+")) {
                throw new BadParameterException("min_confidence must be a number from 0 to 1, got " + printable(mc));
            }
        }
        int limit = limit(params);
        String cursor = single(params, "cursor");
        long after = cursor == null ? -1 : decodeCursor(cursor);
        Format format = Format.JSON;
        String f = single(params, "format");
        if (f != null) {
            format = switch (f) {
                case "json" -> Format.JSON;
                case "csv" -> Format.CSV;
                default -> throw new BadParameterException("format must be json or csv, got " + printable(f));
            };
        } else if (accept != null && accept.toLowerCase(Locale.ROOT).contains("text/csv")) {
            format = Format.CSV;
        }
        return new DetectionsRequest(new DetectionQuery(from, to, sensors, classes, minConfidence, after, limit),
                format);
    }

    /** {@code GET /api/v1/journal/entries}. */
    public static EntriesRequest entries(Map<String, List<String>> params) throws BadParameterException {
        requireOnly(params, Endpoint.JOURNAL_ENTRIES);
        String after = single(params, "after");
        long afterSeq = after == null ? -1 : nonNegative(after, "after");
        Set<String> types = list(params, "type", ENTRY_TYPE, "an entry type (lower-case letters, digits, _ . -)");
        return new EntriesRequest(afterSeq, limit(params), types);
    }

    /** {@code GET /api/v1/journal/checkpoints}. */
    public static CheckpointsRequest checkpoints(Map<String, List<String>> params) throws BadParameterException {
        requireOnly(params, Endpoint.JOURNAL_CHECKPOINTS);
        String after = single(params, "after");
        return new CheckpointsRequest(after == null ? 0 : nonNegative(after, "after"), limit(params));
    }

    /** {@code GET /api/v1/journal/consistency}: both tree sizes required, 1 <= from <= to. */
    public static ConsistencyRequest consistency(Map<String, List<String>> params) throws BadParameterException {
        requireOnly(params, Endpoint.JOURNAL_CONSISTENCY);
        String from = single(params, "from");
        String to = single(params, "to");
        if (from == null || to == null) {
            throw new BadParameterException("from and to (tree sizes) are both required");
        }
        long m = nonNegative(from, "from");
        long n = nonNegative(to, "to");
        if (m < 1) {
            throw new BadParameterException("from must be at least 1 (every tree is consistent with the empty one)");
        }
        if (m > n) {
            throw new BadParameterException("from must not be greater than to");
        }
        return new ConsistencyRequest(m, n);
    }

    /**
     * {@code GET /api/v1/transparency}: UTC dates, both inclusive; without them the {@value #DEFAULT_TRANSPARENCY_DAYS}
     * days up to and including {@code today}, at most {@value #MAX_TRANSPARENCY_DAYS} days.
     */
    public static TransparencyRequest transparency(Map<String, List<String>> params, LocalDate today)
            throws BadParameterException {
        requireOnly(params, Endpoint.TRANSPARENCY);
        String f = single(params, "from");
        String t = single(params, "to");
        // Only closed days: counts of a day still running, polled, would date each detection to the poll.
        LocalDate lastClosed = today.minusDays(1);
        LocalDate from = f == null ? null : closedDay(f, "from", lastClosed);
        LocalDate to = t != null ? closedDay(t, "to", lastClosed)
                : from == null ? lastClosed : min(from.plusDays(DEFAULT_TRANSPARENCY_DAYS - 1), lastClosed);
        if (from == null) {
            from = to.minusDays(DEFAULT_TRANSPARENCY_DAYS - 1);
            if (from.isBefore(EARLIEST_DAY)) {
                from = EARLIEST_DAY;
            }
        }
        if (from.isAfter(to)) {
            throw new BadParameterException("from must not be after to");
        }
        if (ChronoUnit.DAYS.between(from, to) + 1 > MAX_TRANSPARENCY_DAYS) {
            throw new BadParameterException("from..to spans more than " + MAX_TRANSPARENCY_DAYS + " days");
        }
        return new TransparencyRequest(from, to);
    }

    /** The first day the API speaks of; earlier dates are refused, never clamped. */
    static final LocalDate EARLIEST_DAY = LocalDate.of(1970, 1, 1);

    private static LocalDate closedDay(String value, String name, LocalDate lastClosed) throws BadParameterException {
        LocalDate d = date(value, name);
        if (d.isAfter(lastClosed)) {
            throw new BadParameterException(name + " must be a closed UTC day, at most " + lastClosed + " (days are"
                    + " published once they are over), got " + printable(value));
        }
        return d;
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }

    /** {@code s} and the seq in unpadded base64url: opaque to clients, stable for us. */
    public static String encodeCursor(long afterSeq) {
        if (afterSeq < 0) {
            throw new IllegalArgumentException("a cursor continues after a seq >= 0, got " + afterSeq);
        }
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((CURSOR_PREFIX + afterSeq).getBytes(StandardCharsets.US_ASCII));
    }

    /** The seq a cursor continues after; anything not made by {@link #encodeCursor} is refused. */
    public static long decodeCursor(String cursor) throws BadParameterException {
        String bad = "cursor is not one this API returned (use next_cursor from the previous page as it is)";
        if (cursor.length() > 40 || !cursor.matches("[A-Za-z0-9_-]+")) {
            throw new BadParameterException(bad);
        }
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new BadParameterException(bad);
        }
        if (!text.matches(CURSOR_PREFIX + "(0|[1-9][0-9]{0,18})")) {
            throw new BadParameterException(bad);
        }
        try {
            long seq = Long.parseLong(text.substring(CURSOR_PREFIX.length()));
            if (!encodeCursor(seq).equals(cursor)) {
                throw new BadParameterException(bad);
            }
            return seq;
        } catch (NumberFormatException e) {
            throw new BadParameterException(bad);
        }
    }

    /**
     * The parameters as the audit journal records them: repeated values joined with commas, values that are or look
     * like credentials replaced by {@value #REDACTED}, long values cut, so no key or token reaches the journal.
     */
    public static Map<String, String> forAudit(Map<String, List<String>> params) {
        Map<String, String> out = new LinkedHashMap<>();
        int omitted = 0;
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (out.size() >= AUDIT_MAX_PARAMETERS) {
                omitted++;
                continue;
            }
            // A key sent as a parameter name is as much a credential as one sent as a value.
            String name = looksLikeCredential(p.getKey()) ? REDACTED + "#" + out.size() : cut(redact(p.getKey()));
            boolean credentialName = CREDENTIAL_NAMES.contains(p.getKey().toLowerCase(Locale.ROOT));
            List<String> values = new ArrayList<>();
            for (String v : p.getValue()) {
                values.add(credentialName || looksLikeCredential(v) ? REDACTED : cut(redact(v)));
            }
            out.put(name, cut(String.join(",", values)));
        }
        if (omitted > 0) {
            out.put("<omitted>", omitted + " more parameter(s)");
        }
        return out;
    }

    /**
     * The request path as the audit journal records it: percent-decoded, credentials pasted into it redacted, long
     * paths cut.
     */
    public static String pathForAudit(String path) {
        // Decoded first, so that a key written as %65sk_... or entirely in %XX is recognised; then cut.
        String redacted = redact(decodeLeniently(path));
        return redacted.length() <= AUDIT_PATH_CHARS ? redacted : redacted.substring(0, AUDIT_PATH_CHARS) + "...";
    }

    /** Any API key or JWT in {@code s} replaced by {@value #REDACTED}. */
    public static String redact(String s) {
        if (s == null) {
            return null;
        }
        return JWT_WHOLE.matcher(KEY_ANYWHERE.matcher(s).replaceAll(REDACTED)).replaceAll(REDACTED);
    }

    /** Percent-decoding that never fails: valid %XX sequences are decoded (repeatedly, for %2565...), others kept. */
    static String decodeLeniently(String s) {
        String current = s;
        for (int round = 0; round < 3 && current.indexOf('%') >= 0; round++) {
            java.util.regex.Matcher m = PERCENT.matcher(current);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            int last = 0;
            while (m.find()) {
                byte[] before = current.substring(last, m.start()).getBytes(StandardCharsets.UTF_8);
                bytes.write(before, 0, before.length);
                bytes.write(Integer.parseInt(m.group(1), 16));
                last = m.end();
            }
            byte[] rest = current.substring(last).getBytes(StandardCharsets.UTF_8);
            bytes.write(rest, 0, rest.length);
            String decoded = bytes.toString(StandardCharsets.UTF_8);
            if (decoded.equals(current)) {
                break;
            }
            current = decoded;
        }
        return current;
    }

    static boolean looksLikeCredential(String value) {
        return KEY_LIKE.matcher(value).find() || JWT_LIKE.matcher(value).find()
                || KEY_ANYWHERE.matcher(value).find();
    }

    /** A free text (a refusal reason) as the journal keeps it: at most {@value #AUDIT_PATH_CHARS} characters. */
    public static String cutForAudit(String s) {
        return s.length() <= AUDIT_PATH_CHARS ? s : s.substring(0, AUDIT_PATH_CHARS) + "...";
    }

    private static String cut(String s) {
        return s.length() <= AUDIT_VALUE_CHARS ? s : s.substring(0, AUDIT_VALUE_CHARS) + "...";
    }

    private static String single(Map<String, List<String>> params, String name) throws BadParameterException {
        List<String> values = params.get(name);
        if (values == null) {
            return null;
        }
        if (values.size() > 1) {
            throw new BadParameterException(name + " is given " + values.size() + " times; give it once");
        }
        if (values.get(0).isEmpty()) {
            throw new BadParameterException(name + " is empty; leave it out for the default");
        }
        return values.get(0);
    }

    /** Repeated and comma-separated values together, each checked against {@code pattern} when there is one. */
    private static Set<String> list(Map<String, List<String>> params, String name, Pattern pattern, String what)
            throws BadParameterException {
        Set<String> out = new LinkedHashSet<>();
        for (String value : params.getOrDefault(name, List.of())) {
            for (String v : value.split(",", -1)) {
                if (v.isEmpty()) {
                    throw new BadParameterException(name + " has an empty value");
                }
                if (pattern != null && !pattern.matcher(v).matches()) {
                    throw new BadParameterException(name + " " + printable(v) + " is not " + what);
                }
                out.add(v);
            }
        }
        if (out.size() > MAX_VALUES) {
            throw new BadParameterException(name + " lists more than " + MAX_VALUES + " values");
        }
        return out;
    }

    private static int limit(Map<String, List<String>> params) throws BadParameterException {
        String value = single(params, "limit");
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        if (!value.matches("[0-9]{1,9}")) {
            throw new BadParameterException("limit must be a whole number from 1 to " + MAX_LIMIT + ", got "
                    + printable(value));
        }
        int limit = Integer.parseInt(value);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadParameterException("limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
        return limit;
    }

    private static long nonNegative(String value, String name) throws BadParameterException {
        if (!value.matches("[0-9]{1,18}")) {
            throw new BadParameterException(name + " must be a whole number >= 0, got " + printable(value));
        }
        return Long.parseLong(value);
    }

    /** Epoch microseconds of an ISO-8601 instant parameter, or null when absent. */
    private static Long instant(Map<String, List<String>> params, String name) throws BadParameterException {
        String value = single(params, name);
        if (value == null) {
            return null;
        }
        Instant instant;
        try {
            instant = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(value, Instant::from);
        } catch (DateTimeException e) {
            throw new BadParameterException(name + " must be an ISO-8601 time with a zone, like"
                    + " 2026-11-29T10:00:00Z, got " + printable(value)
                    + (value.contains(" ") ? " (a '+' in a URL must be written %2B)" : ""));
        }
        if (instant.getNano() % 1000 != 0) {
            throw new BadParameterException(name + " is finer than a microsecond");
        }
        if (instant.getEpochSecond() < 0 || instant.getEpochSecond() > 253402300799L) {
            throw new BadParameterException(name + " must be between 1970 and 9999");
        }
        return OutputJson.micros(instant);
    }

    private static LocalDate date(String value, String name) throws BadParameterException {
        try {
            LocalDate d = LocalDate.parse(value, DateTimeFormatter.ISO_LOCAL_DATE);
            if (d.getYear() < 1970 || d.getYear() > 9999) {
                throw new BadParameterException(name + " must be between 1970 and 9999");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new BadParameterException(name + " must be a date like 2026-11-29, got " + printable(value));
        }
    }

    /** A client's value for an error message: quoted, bounded, control characters escaped, credentials hidden. */
    static String printable(String s) {
        if (looksLikeCredential(s)) {
            return REDACTED;
        }
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().limit(64).forEach(c -> {
            if (Character.isISOControl(c) || c == '"' || c == '\\') {
                out.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        if (s.codePointCount(0, s.length()) > 64) {
            out.append("...");
        }
        return out.append('"').toString();
    }
}
