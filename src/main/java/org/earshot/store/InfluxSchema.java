package org.earshot.store;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.influxdb.dto.QueryResult;

/**
 * The InfluxQL statements that set up Earshot's database and retention policies, and the parsing of what InfluxDB
 * reports back. Pure functions; {@link InfluxWriter} runs the statements. Shard group durations are given explicitly,
 * chosen as InfluxDB itself would for a new policy, because an ALTER to a duration shorter than the policy's current
 * shard group duration is refused.
 */
final class InfluxSchema {
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+)(ms|us|µs|ns|h|m|s)");

    private InfluxSchema() {
    }

    static String createDatabase(String database) {
        return "CREATE DATABASE " + quote(database);
    }

    static String showRetentionPolicies(String database) {
        return "SHOW RETENTION POLICIES ON " + quote(database);
    }

    static String createPolicy(String database, String policy, Duration retention) {
        return "CREATE RETENTION POLICY " + quote(policy) + " ON " + quote(database) + " DURATION "
                + retention.toSeconds() + "s REPLICATION 1 SHARD DURATION " + shardDuration(retention).toSeconds() + "s";
    }

    static String alterPolicy(String database, String policy, Duration retention) {
        return "ALTER RETENTION POLICY " + quote(policy) + " ON " + quote(database) + " DURATION "
                + retention.toSeconds() + "s SHARD DURATION " + shardDuration(retention).toSeconds() + "s";
    }

    /** InfluxDB's own default: 1 h below 2 days, 1 day up to 6 months, 7 days beyond. */
    static Duration shardDuration(Duration retention) {
        if (retention.compareTo(Duration.ofDays(2)) < 0) {
            return Duration.ofHours(1);
        }
        if (retention.compareTo(Duration.ofDays(183)) <= 0) {
            return Duration.ofDays(1);
        }
        return Duration.ofDays(7);
    }

    /** Policy name to duration (zero for infinite) from the result of {@link #showRetentionPolicies}. */
    static Map<String, Duration> retentionPolicies(QueryResult result) {
        Map<String, Duration> policies = new LinkedHashMap<>();
        if (result.getResults() == null) {
            return policies;
        }
        for (QueryResult.Result r : result.getResults()) {
            if (r.getSeries() == null) {
                continue;
            }
            for (QueryResult.Series series : r.getSeries()) {
                int name = series.getColumns().indexOf("name");
                int duration = series.getColumns().indexOf("duration");
                if (name < 0 || duration < 0) {
                    throw new IllegalStateException("SHOW RETENTION POLICIES answered without name or duration column: "
                            + series.getColumns());
                }
                for (List<Object> row : series.getValues()) {
                    policies.put(String.valueOf(row.get(name)), parseGoDuration(String.valueOf(row.get(duration))));
                }
            }
        }
        return policies;
    }

    /** A Go duration as InfluxDB prints it, e.g. {@code 8760h0m0s}; "0s" (infinite) is zero. */
    static Duration parseGoDuration(String text) {
        if (text == null || text.isEmpty() || "0".equals(text)) {
            return Duration.ZERO;
        }
        Matcher m = GO_DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                case "ms" -> Duration.ofMillis(n);
                case "us", "µs" -> Duration.ofNanos(n * 1000);
                default -> Duration.ofNanos(n);
            });
            end = m.end();
        }
        if (end != text.length()) {
            throw new IllegalArgumentException("not a duration as InfluxDB prints them: " + text);
        }
        return total;
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
