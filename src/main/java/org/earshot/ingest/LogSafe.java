package org.earshot.ingest;

/**
 * Makes a client-supplied string (user name, client id, topic name, sensor id, URL path) safe to put in a log line or
 * a refusal message: quoted, with quotes, backslashes and every control or line-separating character escaped as
 * {@code \}{@code uXXXX}, and cut to {@link #MAX_CHARS} characters with the original length stated. A client can then
 * neither forge a log line (a line break followed by a fake "sensor connected") nor flood the log with one huge
 * field. Pure: no Vert.x, no logging.
 */
public final class LogSafe {
    /** The most characters of a client's string that reach a log line. */
    public static final int MAX_CHARS = 64;

    private LogSafe() {
    }

    /** {@code s} quoted, escaped and cut to {@link #MAX_CHARS} characters; {@code null} as the bare word null. */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        int end = s.length() <= MAX_CHARS ? s.length() : MAX_CHARS;
        // Never split a surrogate pair: half of one is not a character.
        if (end < s.length() && end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        StringBuilder b = new StringBuilder(end + 24).append('"');
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (mustEscape(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
        if (end < s.length()) {
            b.append("…(").append(s.length()).append(" chars)");
        }
        return b.toString();
    }

    private static boolean mustEscape(char c) {
        // C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional overrides and
        // isolates that can make a line read differently from what it holds.
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\ufeff';
    }
}
