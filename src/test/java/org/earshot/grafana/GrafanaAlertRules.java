package org.earshot.grafana;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The alert rules of a Grafana alerting provisioning file (apiVersion 1, {@code groups[].rules[]}): for each rule its
 * data source queries (refId, relative time range, data source uid, model) and the server-side expressions
 * ({@code __expr__}) of the kinds Earshot's rules use, {@code reduce} and {@code threshold}, with an evaluator of
 * them over numbers so that a test can tell whether a rule would fire on given series. Pure, no Grafana.
 */
final class GrafanaAlertRules {
    static final Path FILE = Path.of("grafana/provisioning/alerting/earshot.yml");
    static final String EXPRESSIONS = "__expr__";

    private GrafanaAlertRules() {
    }

    /** One entry of a rule's {@code data}. */
    record Data(String refId, long fromSeconds, long toSeconds, String datasourceUid, Map<String, Object> model) {
        boolean isExpression() {
            return EXPRESSIONS.equals(datasourceUid);
        }

        String query() {
            return (String) model.get("query");
        }
    }

    record Rule(String group, String uid, String title, String condition, List<Data> data,
                String noDataState, String execErrState) {
        Data data(String refId) {
            return data.stream().filter(d -> d.refId().equals(refId)).findFirst()
                    .orElseThrow(() -> new AssertionError("rule " + uid + " has no data " + refId));
        }

        List<GrafanaQuery> queries(String file) {
            return data.stream().filter(d -> !d.isExpression())
                    .map(d -> new GrafanaQuery(file, "alert rule " + uid + " \"" + title + "\"", d.refId(), d.query(),
                            (String) d.model().getOrDefault("resultFormat", "time_series"), null))
                    .toList();
        }

        /**
         * Whether the condition holds for one series, given the values of the query it derives from: the chain of
         * expressions from {@link #condition} back to a data source query, evaluated on {@code values}.
         */
        boolean fires(List<Double> values) {
            return evaluate(condition, values) != 0;
        }

        private double evaluate(String refId, List<Double> values) {
            Data d = data(refId);
            if (!d.isExpression()) {
                throw new IllegalStateException("a query has a series, not a number: " + refId);
            }
            String type = (String) d.model().get("type");
            String input = (String) d.model().get("expression");
            return switch (type) {
                case "reduce" -> reduce(d, data(input).isExpression() ? List.of(evaluate(input, values)) : values);
                case "threshold" -> threshold(d, evaluate(input, values)) ? 1 : 0;
                default -> throw new IllegalArgumentException("expression type " + type + " of rule " + uid
                        + " is not evaluated by this test");
            };
        }
    }

    @SuppressWarnings("unchecked")
    static List<Rule> read(Path file) throws IOException {
        Map<String, Object> root;
        try (Reader in = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
        if (!Objects.equals(1, root.get("apiVersion"))) {
            throw new AssertionError(file + ": apiVersion must be 1, got " + root.get("apiVersion"));
        }
        List<Rule> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                List<Data> data = new ArrayList<>();
                for (Map<String, Object> d : (List<Map<String, Object>>) rule.get("data")) {
                    Map<String, Object> range = (Map<String, Object>) d.getOrDefault("relativeTimeRange", Map.of());
                    data.add(new Data((String) d.get("refId"), number(range.get("from")), number(range.get("to")),
                            (String) d.get("datasourceUid"), (Map<String, Object>) d.get("model")));
                }
                rules.add(new Rule((String) group.get("name"), (String) rule.get("uid"), (String) rule.get("title"),
                        (String) rule.get("condition"), data, (String) rule.get("noDataState"),
                        (String) rule.get("execErrState")));
            }
        }
        return rules;
    }

    private static long number(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    /** Grafana's reducers over the numbers of a series; mode dropNN drops NaN and nulls first (as the rules ask). */
    static double reduce(Data d, List<Double> values) {
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = (Map<String, Object>) d.model().getOrDefault("settings", Map.of());
        List<Double> v = values;
        if ("dropNN".equals(settings.get("mode"))) {
            v = values.stream().filter(x -> x != null && !x.isNaN()).toList();
        }
        String reducer = (String) d.model().get("reducer");
        if (v.isEmpty()) {
            return "count".equals(reducer) ? 0 : Double.NaN;
        }
        return switch (reducer) {
            case "last" -> v.get(v.size() - 1);
            case "max" -> v.stream().mapToDouble(Double::doubleValue).max().getAsDouble();
            case "min" -> v.stream().mapToDouble(Double::doubleValue).min().getAsDouble();
            case "sum" -> v.stream().mapToDouble(Double::doubleValue).sum();
            case "mean" -> v.stream().mapToDouble(Double::doubleValue).average().getAsDouble();
            case "count" -> v.size();
            default -> throw new IllegalArgumentException("reducer " + reducer + " is not evaluated by this test");
        };
    }

    /** Grafana's threshold evaluators; NaN (no value) never meets one. */
    @SuppressWarnings("unchecked")
    static boolean threshold(Data d, double x) {
        List<Map<String, Object>> conditions = (List<Map<String, Object>>) d.model().get("conditions");
        Map<String, Object> evaluator = (Map<String, Object>) conditions.get(0).get("evaluator");
        List<Number> p = (List<Number>) evaluator.get("params");
        String type = (String) evaluator.get("type");
        return switch (type) {
            case "gt" -> x > p.get(0).doubleValue();
            case "lt" -> x < p.get(0).doubleValue();
            case "within_range" -> x > p.get(0).doubleValue() && x < p.get(1).doubleValue();
            case "outside_range" -> x < p.get(0).doubleValue() || x > p.get(1).doubleValue();
            default -> throw new IllegalArgumentException("evaluator " + type + " is not evaluated by this test");
        };
    }
}
