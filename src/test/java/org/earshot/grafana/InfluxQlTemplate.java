package org.earshot.grafana;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands a raw InfluxQL query of a dashboard or alert rule the way Grafana's InfluxDB data source does before it
 * sends it: the macros {@code $timeFilter} ({@code time >= FROMms and time <= TOms}), {@code $__interval} and
 * {@code $interval} (as InfluxQL durations: {@code 10s}, {@code 1m}), {@code $__interval_ms}, {@code $__from},
 * {@code $__to}, and template variables written {@code $name}, {@code ${name}} or {@code [[name]]}. A variable with
 * several values (or "All" of a multi-value variable) becomes a regex alternation of the values, each regex-escaped,
 * {@code (a|b\.c)}, one value is regex-escaped alone: that is what Grafana does for multi-value or include-All
 * variables, meant for {@code =~ /^$name$/}. A name that is neither a macro nor a given variable is an error, so that
 * a misspelt variable fails instead of reaching InfluxDB.
 */
final class InfluxQlTemplate {
    /** {@code ${name}} or {@code ${name:format}}, {@code [[name]]}, {@code $name}. */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");
    /** What Grafana's regexEscape escapes. */
    private static final Pattern REGEX_SPECIAL = Pattern.compile("[\\\\^$*+?.()|\\[\\]{}/]");

    private InfluxQlTemplate() {
    }

    /** An absolute time range in epoch milliseconds, both ends included as in Grafana's $timeFilter. */
    record TimeRange(long fromMillis, long toMillis) {
        TimeRange {
            if (toMillis < fromMillis) {
                throw new IllegalArgumentException("time range ends before it starts: " + fromMillis + ".."
                        + toMillis);
            }
        }
    }

    static String expand(String query, TimeRange range, Duration interval, Map<String, List<String>> variables) {
        Matcher m = REFERENCE.matcher(query);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            m.appendReplacement(out, Matcher.quoteReplacement(value(name, range, interval, variables, query)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String value(String name, TimeRange range, Duration interval, Map<String, List<String>> variables,
                                String query) {
        switch (name) {
            case "timeFilter", "__timeFilter":
                return "time >= " + range.fromMillis() + "ms and time <= " + range.toMillis() + "ms";
            case "__interval", "interval":
                return duration(interval);
            case "__interval_ms":
                return String.valueOf(interval.toMillis());
            case "__from":
                return String.valueOf(range.fromMillis());
            case "__to":
                return String.valueOf(range.toMillis());
            default:
                List<String> values = variables.get(name);
                if (values == null) {
                    throw new IllegalArgumentException("unknown variable $" + name + " (variables: "
                            + variables.keySet() + ") in: " + query);
                }
                if (values.isEmpty()) {
                    throw new IllegalArgumentException("variable $" + name + " has no value, in: " + query);
                }
                List<String> escaped = values.stream().map(InfluxQlTemplate::regexEscape).toList();
                return escaped.size() == 1 ? escaped.get(0) : "(" + String.join("|", escaped) + ")";
        }
    }

    static String regexEscape(String value) {
        return REGEX_SPECIAL.matcher(value).replaceAll("\\\\$0");
    }

    /** An InfluxQL duration literal in the largest unit that divides it: 10s, 1m, 2h, 1d, 500ms. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms <= 0) {
            throw new IllegalArgumentException("interval must be positive, got " + d);
        }
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** Grafana's interval strings as panels write them ({@code "1s"}, {@code "10s"}, {@code "1m"}, {@code "1h"}). */
    static Duration parseDuration(String text) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Grafana interval: \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
