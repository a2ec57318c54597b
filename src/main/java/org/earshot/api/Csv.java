package org.earshot.api;

import java.util.List;

/**
 * CSV as RFC 4180 writes it (comma-separated, CRLF line ends, fields with a comma, quote or line break quoted and
 * inner quotes doubled), with one guard more: a text field that starts with {@code = + - @}, a tab or a carriage
 * return gets a leading apostrophe, because spreadsheets run such a cell as a formula and a detection's text fields
 * come from the journal, not from us (CSV injection, OWASP). Numbers are written by the caller and never guarded, so
 * a negative level stays a number.
 */
public final class Csv {
    public static final String LINE_END = "\r\n";

    private Csv() {}

    /** A text field, guarded against formulas and escaped. */
    public static String text(String value) {
        if (value == null) {
            return "";
        }
        String guarded = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return escape(guarded);
    }

    /** A field written as it is apart from RFC 4180 quoting: numbers, times, booleans. */
    public static String escape(String value) {
        if (value == null) {
            return "";
        }
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0
                && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    /** One record: already escaped fields joined with commas, and the line end. */
    public static String row(List<String> fields) {
        return String.join(",", fields) + LINE_END;
    }
}
