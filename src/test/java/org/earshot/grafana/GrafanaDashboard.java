package org.earshot.grafana;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A Grafana dashboard JSON file as the tests read it: its panels, those nested in collapsed rows included (Grafana
 * stores a collapsed row's panels inside the row), the InfluxQL targets of every panel and the template variables.
 * Pure parsing, no Grafana.
 */
record GrafanaDashboard(Path file, JsonObject json) {
    static final Path DIRECTORY = Path.of("grafana/dashboards");

    static GrafanaDashboard read(Path file) throws IOException {
        return new GrafanaDashboard(file, JsonParser.parseString(Files.readString(file)).getAsJsonObject());
    }

    /** Every {@code *.json} of the directory, sorted by name. */
    static List<GrafanaDashboard> readAll(Path directory) throws IOException {
        List<GrafanaDashboard> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                out.add(read(f));
            }
        }
        return out;
    }

    String name() {
        return file.getFileName().toString();
    }

    String uid() {
        return json.get("uid").getAsString();
    }

    /** Every panel, rows included, and the panels of collapsed rows after their row. */
    List<JsonObject> panels() {
        List<JsonObject> out = new ArrayList<>();
        collect(json.getAsJsonArray("panels"), out);
        return out;
    }

    private static void collect(JsonArray panels, List<JsonObject> out) {
        if (panels == null) {
            return;
        }
        for (JsonElement e : panels) {
            JsonObject panel = e.getAsJsonObject();
            out.add(panel);
            collect(panel.getAsJsonArray("panels"), out);
        }
    }

    /** Panels that query a data source (rows, text panels and the like have no targets). */
    List<JsonObject> queryPanels() {
        return panels().stream().filter(p -> p.has("targets") && !p.getAsJsonArray("targets").isEmpty()).toList();
    }

    /** The targets of every panel, named by panel title and id. */
    List<GrafanaQuery> panelQueries() {
        List<GrafanaQuery> out = new ArrayList<>();
        for (JsonObject panel : queryPanels()) {
            for (JsonElement t : panel.getAsJsonArray("targets")) {
                JsonObject target = t.getAsJsonObject();
                out.add(new GrafanaQuery(name(), describe(panel), string(target, "refId"), string(target, "query"),
                        target.has("resultFormat") ? target.get("resultFormat").getAsString() : "time_series",
                        string(panel, "interval")));
            }
        }
        return out;
    }

    static String describe(JsonObject panel) {
        return "panel " + panel.get("id") + " \"" + string(panel, "title") + "\"";
    }

    List<JsonObject> variables() {
        List<JsonObject> out = new ArrayList<>();
        JsonObject templating = json.getAsJsonObject("templating");
        if (templating != null && templating.has("list")) {
            templating.getAsJsonArray("list").forEach(v -> out.add(v.getAsJsonObject()));
        }
        return out;
    }

    JsonObject variable(String name) {
        return variables().stream().filter(v -> name.equals(string(v, "name"))).findFirst()
                .orElseThrow(() -> new AssertionError(name() + " has no template variable " + name));
    }

    /** The InfluxQL of every query variable. */
    List<GrafanaQuery> variableQueries() {
        return variables().stream().filter(v -> "query".equals(string(v, "type")))
                .map(v -> new GrafanaQuery(name(), "variable $" + string(v, "name"), null, queryOf(v), null, null))
                .toList();
    }

    /** A variable's query: a string in older dashboards, an object with a {@code query} key in newer ones. */
    static String queryOf(JsonObject variable) {
        JsonElement q = variable.get("query");
        if (q == null || q.isJsonNull()) {
            return null;
        }
        return q.isJsonObject() ? string(q.getAsJsonObject(), "query") : q.getAsString();
    }

    static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
