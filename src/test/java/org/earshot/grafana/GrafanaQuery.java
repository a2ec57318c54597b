package org.earshot.grafana;

/**
 * One InfluxQL query of the Grafana files, with where it comes from so that a failure names it: the file, the panel,
 * variable or alert rule ({@code where}), the target's refId, and the query as written (macros and variables not yet
 * expanded). {@code format} is the target's result format ({@code time_series}, {@code table}); variables have none.
 * {@code minInterval} is the panel's minimum interval ({@code "10s"}), which bounds {@code $__interval} from below;
 * null when the panel sets none.
 */
record GrafanaQuery(String file, String where, String refId, String query, String format, String minInterval) {
    @Override
    public String toString() {
        return file + " / " + where + (refId == null ? "" : " / " + refId);
    }
}
