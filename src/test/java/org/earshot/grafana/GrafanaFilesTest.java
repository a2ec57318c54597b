package org.earshot.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.config.ServeConfig;
import org.earshot.detect.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Grafana files without Grafana: the template expansion and alert evaluation the query test relies on, and the
 * structure of the dashboards and provisioning files (data source by uid, raw InfluxQL naming the documented
 * retention policy of each measurement, variables, map fields, alert rule wiring) checked against
 * docs/INFLUXDB.md and the service's defaults. Whether the queries return data is {@link DashboardQueryIT}'s part.
 */
class GrafanaFilesTest {
    static final String DATASOURCE_UID = "earshot-influxdb";
    private static final Path DATASOURCES = Path.of("grafana/provisioning/datasources/earshot.yml");
    private static final Path DASHBOARD_PROVIDERS = Path.of("grafana/provisioning/dashboards/earshot.yml");
    private static final Path INFLUX_DOC = Path.of("docs/INFLUXDB.md");
    private static final InfluxQlTemplate.TimeRange RANGE = new InfluxQlTemplate.TimeRange(1000, 2000);

    @TempDir
    Path tmp;

    // --- template expansion --------------------------------------------------------------------------------------

    @Test
    void expandsTimeFilterIntervalAndAllValuesOfAVariableAsARegexAlternation() {
        String q = "SELECT max(\"laeq_dbfs\") FROM \"earshot_levels\".\"sound_level\" WHERE $timeFilter AND"
                + " \"sensor\" =~ /^$sensor$/ GROUP BY time($__interval), \"sensor\"";
        assertEquals("SELECT max(\"laeq_dbfs\") FROM \"earshot_levels\".\"sound_level\" WHERE time >= 1000ms and"
                        + " time <= 2000ms AND \"sensor\" =~ /^(s1|pole\\.12|a\\/b)$/ GROUP BY time(10s), \"sensor\"",
                InfluxQlTemplate.expand(q, RANGE, Duration.ofSeconds(10),
                        Map.of("sensor", List.of("s1", "pole.12", "a/b"))));
    }

    @Test
    void expandsOneValueEscapedAndTheOtherSpellingsOfVariablesAndMacros() {
        Map<String, List<String>> vars = Map.of("sensor", List.of("pole-1.north"), "class", List.of("impact"));
        assertEquals("/^pole-1\\.north$/ impact impact 60000 1m 1000 2000",
                InfluxQlTemplate.expand("/^$sensor$/ ${class} [[class]] $__interval_ms $interval $__from $__to",
                        RANGE, Duration.ofMinutes(1), vars));
        assertEquals("time >= 1000ms and time <= 2000ms",
                InfluxQlTemplate.expand("$__timeFilter", RANGE, Duration.ofSeconds(1), vars));
    }

    @Test
    void refusesAnUnknownOrEmptyVariableInsteadOfSendingIt() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> InfluxQlTemplate
                .expand("WHERE \"sensor\" =~ /^$sensors$/", RANGE, Duration.ofSeconds(10),
                        Map.of("sensor", List.of("s1"))));
        assertTrue(unknown.getMessage().startsWith("unknown variable $sensors"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InfluxQlTemplate.expand("/^$sensor$/", RANGE,
                Duration.ofSeconds(10), Map.of("sensor", List.of())));
    }

    @Test
    void writesAndReadsIntervalsInTheLargestUnitThatDividesThem() {
        assertEquals("500ms", InfluxQlTemplate.duration(Duration.ofMillis(500)));
        assertEquals("90s", InfluxQlTemplate.duration(Duration.ofSeconds(90)));
        assertEquals("2m", InfluxQlTemplate.duration(Duration.ofSeconds(120)));
        assertEquals("3h", InfluxQlTemplate.duration(Duration.ofHours(3)));
        assertEquals("1d", InfluxQlTemplate.duration(Duration.ofDays(1)));
        assertEquals(Duration.ofSeconds(10), InfluxQlTemplate.parseDuration("10s"));
        assertEquals(Duration.ofMinutes(1), InfluxQlTemplate.parseDuration("1m"));
        assertThrows(IllegalArgumentException.class, () -> InfluxQlTemplate.parseDuration(">10s"));
    }

    // --- parsing -------------------------------------------------------------------------------------------------

    @Test
    void collectsTheTargetsOfPanelsNestedInCollapsedRows() throws Exception {
        Path file = tmp.resolve("d.json");
        Files.writeString(file, """
                {"uid": "x", "panels": [
                  {"id": 1, "type": "row", "title": "open", "collapsed": false, "panels": []},
                  {"id": 2, "type": "timeseries", "title": "top", "targets": [{"refId": "A", "query": "q1"}]},
                  {"id": 3, "type": "row", "title": "closed", "collapsed": true, "panels": [
                    {"id": 4, "type": "table", "title": "inner", "targets": [{"refId": "A", "query": "q2",
                     "resultFormat": "table"}, {"refId": "B", "query": "q3"}]}]},
                  {"id": 5, "type": "text", "title": "notes"}],
                 "templating": {"list": [{"type": "query", "name": "sensor", "query": {"query": "SHOW x"}},
                                         {"type": "custom", "name": "class", "query": "a,b"}]}}
                """);
        GrafanaDashboard d = GrafanaDashboard.read(file);
        assertEquals(List.of(1, 2, 3, 4, 5), d.panels().stream().map(p -> p.get("id").getAsInt()).toList());
        assertEquals(List.of("panel 2 \"top\"/A/q1/time_series", "panel 4 \"inner\"/A/q2/table",
                        "panel 4 \"inner\"/B/q3/time_series"),
                d.panelQueries().stream().map(q -> q.where() + "/" + q.refId() + "/" + q.query() + "/" + q.format())
                        .toList());
        assertEquals(List.of("SHOW x"), d.variableQueries().stream().map(GrafanaQuery::query).toList());
    }

    @Test
    void evaluatesReduceAndThresholdExpressionsAsGrafanaDoes() throws Exception {
        Path file = tmp.resolve("rules.yml");
        Files.writeString(file, """
                apiVersion: 1
                groups:
                  - name: g
                    rules:
                      - uid: r
                        title: R
                        condition: C
                        data:
                          - {refId: A, datasourceUid: ds, relativeTimeRange: {from: 300, to: 0},
                             model: {query: q}}
                          - {refId: B, datasourceUid: __expr__,
                             model: {type: reduce, expression: A, reducer: last, settings: {mode: dropNN}}}
                          - {refId: C, datasourceUid: __expr__,
                             model: {type: threshold, expression: B,
                                     conditions: [{evaluator: {type: gt, params: [60]}}]}}
                """);
        GrafanaAlertRules.Rule rule = GrafanaAlertRules.read(file).get(0);
        assertEquals(300, rule.data("A").fromSeconds());
        assertTrue(rule.fires(Arrays.asList(1.0, 61.0, null)), "last non-null is 61");
        assertFalse(rule.fires(Arrays.asList(61.0, 59.0)), "last is 59");
        assertFalse(rule.fires(List.of()), "no value never meets a threshold");
        assertEquals(1, rule.queries("rules.yml").size());
    }

    // --- the repository's files ----------------------------------------------------------------------------------

    @Test
    void theDashboardsAreOperationsAndAccountabilityWithFixedUidsAndUniquePanelIds() throws Exception {
        List<GrafanaDashboard> dashboards = GrafanaDashboard.readAll(GrafanaDashboard.DIRECTORY);
        assertEquals(List.of("accountability.json", "operations.json"),
                dashboards.stream().map(GrafanaDashboard::name).toList());
        assertEquals(List.of("earshot-accountability", "earshot-operations"),
                dashboards.stream().map(GrafanaDashboard::uid).toList());
        for (GrafanaDashboard d : dashboards) {
            assertEquals(39, d.json().get("schemaVersion").getAsInt(), d.name());
            List<Integer> ids = d.panels().stream().map(p -> p.get("id").getAsInt()).toList();
            assertEquals(ids.size(), new HashSet<>(ids).size(), d.name() + ": panel ids " + ids);
            assertFalse(d.queryPanels().isEmpty(), d.name());
        }
    }

    @Test
    void everyPanelQueriesTheEarshotDataSourceWithRawInfluxQlOverATimeFilter() throws Exception {
        List<String> problems = new ArrayList<>();
        for (GrafanaDashboard d : GrafanaDashboard.readAll(GrafanaDashboard.DIRECTORY)) {
            for (JsonObject panel : d.queryPanels()) {
                String where = d.name() + " " + GrafanaDashboard.describe(panel);
                checkDataSource(where, panel.get("datasource"), problems);
                Set<String> refIds = new HashSet<>();
                for (JsonElement t : panel.getAsJsonArray("targets")) {
                    JsonObject target = t.getAsJsonObject();
                    String at = where + " " + GrafanaDashboard.string(target, "refId");
                    if (!refIds.add(String.valueOf(GrafanaDashboard.string(target, "refId")))) {
                        problems.add(at + ": refId missing or repeated");
                    }
                    if (target.has("datasource")) {
                        checkDataSource(at, target.get("datasource"), problems);
                    }
                    if (!target.has("rawQuery") || !target.get("rawQuery").getAsBoolean()) {
                        problems.add(at + ": rawQuery is not true (the query editor's builder would replace the"
                                + " query)");
                    }
                    String query = GrafanaDashboard.string(target, "query");
                    if (query == null || query.isBlank()) {
                        problems.add(at + ": no query");
                        continue;
                    }
                    if (!query.contains("$timeFilter")) {
                        problems.add(at + ": no $timeFilter: " + query);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    private static void checkDataSource(String where, JsonElement ds, List<String> problems) {
        if (ds == null || !ds.isJsonObject() || !DATASOURCE_UID.equals(GrafanaDashboard.string(ds.getAsJsonObject(),
                "uid")) || !"influxdb".equals(GrafanaDashboard.string(ds.getAsJsonObject(), "type"))) {
            problems.add(where + ": datasource must be {type: influxdb, uid: " + DATASOURCE_UID + "}, got " + ds);
        }
    }

    @Test
    void everyQueryNamesTheRetentionPolicyDocumentedForItsMeasurement() throws Exception {
        Map<String, String> policyOf = documentedPolicies();
        assertEquals(Set.of("detection", "sound_level", "sensor_health", "service_status", "api_access"),
                policyOf.keySet(), "measurements of " + INFLUX_DOC);
        Pattern from = Pattern.compile("\\bFROM\\s+(\\S+)", Pattern.CASE_INSENSITIVE);
        Pattern qualified = Pattern.compile("\"(\\w+)\"\\.\"(\\w+)\"");
        List<String> problems = new ArrayList<>();
        Set<String> measurementsUsed = new HashSet<>();
        for (GrafanaQuery q : allQueries()) {
            Matcher m = from.matcher(q.query());
            int froms = 0;
            while (m.find()) {
                froms++;
                Matcher pm = qualified.matcher(m.group(1));
                if (!pm.matches()) {
                    problems.add(q + ": FROM " + m.group(1) + " does not name the retention policy (neither policy is"
                            + " the database's default, so this reads nothing)");
                } else if (!pm.group(1).equals(policyOf.get(pm.group(2)))) {
                    problems.add(q + ": " + m.group(1) + ", but " + INFLUX_DOC + " puts " + pm.group(2) + " in "
                            + policyOf.get(pm.group(2)));
                } else {
                    measurementsUsed.add(pm.group(2));
                }
            }
            if (froms == 0) {
                problems.add(q + ": no FROM");
            }
        }
        assertEquals(List.of(), problems);
        assertEquals(policyOf.keySet(), measurementsUsed, "every measurement has a panel");
    }

    /** {@code ### `measurement` (policy `policy`)} headings of docs/INFLUXDB.md. */
    private static Map<String, String> documentedPolicies() throws Exception {
        Map<String, String> out = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^### `(\\w+)` \\(policy `(\\w+)`\\)").matcher(Files.readString(INFLUX_DOC));
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static List<GrafanaQuery> allQueries() throws Exception {
        List<GrafanaQuery> out = new ArrayList<>();
        for (GrafanaDashboard d : GrafanaDashboard.readAll(GrafanaDashboard.DIRECTORY)) {
            out.addAll(d.panelQueries());
            out.addAll(d.variableQueries());
        }
        for (GrafanaAlertRules.Rule r : GrafanaAlertRules.read(GrafanaAlertRules.FILE)) {
            out.addAll(r.queries(GrafanaAlertRules.FILE.getFileName().toString()));
        }
        return out;
    }

    @Test
    void sensorAndClassAreMultiValueVariablesWithAllAndQueriesMatchThemAsRegexes() throws Exception {
        for (GrafanaDashboard d : GrafanaDashboard.readAll(GrafanaDashboard.DIRECTORY)) {
            JsonObject sensor = d.variable("sensor");
            assertEquals("query", GrafanaDashboard.string(sensor, "type"), d.name());
            checkDataSource(d.name() + " $sensor", sensor.get("datasource"), new ArrayList<>() {
                @Override
                public boolean add(String problem) {
                    throw new AssertionError(problem);
                }
            });
            assertEquals("SHOW TAG VALUES FROM \"earshot_levels\".\"sensor_health\" WITH KEY = \"sensor\"",
                    GrafanaDashboard.queryOf(sensor), d.name());
            JsonObject classes = d.variable("class");
            assertEquals("custom", GrafanaDashboard.string(classes, "type"), d.name());
            assertEquals(Labels.CLASSES, List.of(GrafanaDashboard.queryOf(classes).split(",")), d.name());
            for (JsonObject v : List.of(sensor, classes)) {
                assertTrue(v.get("multi").getAsBoolean() && v.get("includeAll").getAsBoolean(),
                        d.name() + " $" + GrafanaDashboard.string(v, "name") + ": multi-value with All");
            }
            for (GrafanaQuery q : d.panelQueries()) {
                // A multi-value variable expands to (a|b): only a regex match can take it.
                String withoutRegexUse = q.query().replace("\"sensor\" =~ /^$sensor$/", "")
                        .replace("\"class\" =~ /^$class$/", "");
                assertFalse(withoutRegexUse.contains("$sensor") || withoutRegexUse.contains("$class"),
                        q + ": use \"sensor\" =~ /^$sensor$/ and \"class\" =~ /^$class$/: " + q.query());
            }
        }
    }

    @Test
    void theMapPlacesSensorsByTheLatitudeAndLongitudeItsQuerySelects() throws Exception {
        GrafanaDashboard ops = GrafanaDashboard.read(GrafanaDashboard.DIRECTORY.resolve("operations.json"));
        List<JsonObject> maps = ops.queryPanels().stream().filter(p -> "geomap".equals(p.get("type")
                .getAsString())).toList();
        assertEquals(1, maps.size(), "geomap panels");
        JsonObject map = maps.get(0);
        JsonObject location = map.getAsJsonObject("options").getAsJsonArray("layers").get(0).getAsJsonObject()
                .getAsJsonObject("location");
        assertEquals("coords", location.get("mode").getAsString());
        String query = map.getAsJsonArray("targets").get(0).getAsJsonObject().get("query").getAsString();
        assertTrue(query.contains("FROM \"earshot_levels\".\"sensor_health\""), query);
        for (String axis : List.of("latitude", "longitude")) {
            String field = location.get(axis).getAsString();
            assertTrue(query.contains("last(\"" + axis + "\") AS \"" + field + "\""), axis + " field " + field
                    + " is not what the query selects: " + query);
        }
        assertTrue(query.contains("GROUP BY \"sensor\""), "one row per sensor: " + query);
    }

    @Test
    void theDataSourceProvisioningMatchesTheDashboardsTheServiceAndTheSchemaDocument() throws Exception {
        Map<String, Object> root = yaml(DATASOURCES);
        assertEquals(1, root.get("apiVersion"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sources = (List<Map<String, Object>>) root.get("datasources");
        assertEquals(1, sources.size());
        Map<String, Object> ds = sources.get(0);
        assertEquals("Earshot InfluxDB", ds.get("name"));
        assertEquals(DATASOURCE_UID, ds.get("uid"));
        assertEquals("influxdb", ds.get("type"));
        assertEquals("proxy", ds.get("access"));
        assertEquals("http://influxdb:8086", ds.get("url"));
        String database = ServeConfig.Influx.DEFAULT_DATABASE;
        assertEquals(database, ds.get("database"), "the service's default influx.database");
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) ds.get("jsonData");
        assertEquals(database, json.get("dbName"));
        assertEquals("GET", json.get("httpMode"));
        assertEquals("InfluxQL", json.get("version"));
        assertTrue(Files.readString(INFLUX_DOC).contains("database `" + database + "`"),
                INFLUX_DOC + " names the database " + database);
    }

    @Test
    void theDashboardProviderLoadsTheMountedDirectoryIntoTheEarshotFolder() throws Exception {
        Map<String, Object> root = yaml(DASHBOARD_PROVIDERS);
        assertEquals(1, root.get("apiVersion"));
        @SuppressWarnings("unchecked")
        Map<String, Object> provider = ((List<Map<String, Object>>) root.get("providers")).get(0);
        assertEquals("file", provider.get("type"));
        assertEquals("Earshot", provider.get("folder"));
        @SuppressWarnings("unchecked")
        Map<String, Object> options = (Map<String, Object>) provider.get("options");
        assertEquals("/var/lib/grafana/dashboards", options.get("path"));
    }

    @Test
    void alertRulesQueryTheDataSourceAndWireTheirExpressionsToExistingRefIds() throws Exception {
        List<GrafanaAlertRules.Rule> rules = GrafanaAlertRules.read(GrafanaAlertRules.FILE);
        assertEquals(List.of("earshot-glass-break-or-impact", "earshot-sensor-silent"),
                rules.stream().map(GrafanaAlertRules.Rule::uid).toList());
        for (GrafanaAlertRules.Rule rule : rules) {
            Set<String> refIds = new HashSet<>();
            rule.data().forEach(d -> assertTrue(refIds.add(d.refId()), rule.uid() + ": refId " + d.refId()));
            assertTrue(rule.data(rule.condition()).isExpression(), rule.uid() + ": the condition is an expression");
            for (GrafanaAlertRules.Data d : rule.data()) {
                String at = rule.uid() + " " + d.refId();
                assertEquals(d.refId(), d.model().get("refId"), at);
                if (d.isExpression()) {
                    assertTrue(refIds.contains((String) d.model().get("expression")), at + " reads "
                            + d.model().get("expression"));
                } else {
                    assertEquals(DATASOURCE_UID, d.datasourceUid(), at);
                    assertEquals(true, d.model().get("rawQuery"), at);
                    assertTrue(d.query().contains("$timeFilter"), at + ": " + d.query());
                    assertTrue(d.fromSeconds() > d.toSeconds(), at + ": relative time range");
                }
            }
            assertTrue(List.of("OK", "NoData", "Alerting", "KeepLast").contains(rule.noDataState()), rule.uid());
        }
    }

    private static Map<String, Object> yaml(Path file) throws Exception {
        try (Reader in = Files.newBufferedReader(file)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
    }

    /** The JSON files are what Grafana imports: valid JSON, no comments (Grafana's parser takes none). */
    @Test
    void dashboardFilesAreStrictJson() throws Exception {
        for (GrafanaDashboard d : GrafanaDashboard.readAll(GrafanaDashboard.DIRECTORY)) {
            com.google.gson.stream.JsonReader reader = new com.google.gson.stream.JsonReader(
                    Files.newBufferedReader(d.file()));
            reader.setStrictness(com.google.gson.Strictness.STRICT);
            JsonParser.parseReader(reader);
        }
    }
}
