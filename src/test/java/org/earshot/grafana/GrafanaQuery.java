package org.earshot.grafana;

/**
 * One InfluxQL query of the Grafana files, with where it comes from so that a failure names it: the file, the panel,
 * variable or alert rule ({@code where}), the target's refId, and the query as written (macros and variables not yet
 * expanded). {@code format} is the target's result format ({@code time_series}, {@code table}); variables have none.
 */
record GrafanaQuery(String file, String where, String refId, String query, String format) {
    @Override
    public String toString() {
        return file + " / " + where + (refId == null ? "" : " / " + refId);
    }
}
