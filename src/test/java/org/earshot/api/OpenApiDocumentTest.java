package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.detect.Labels;
import org.junit.jupiter.api.Test;

/**
 * docs/openapi.json against what the code does: the paths QueryApi mounts ({@link Endpoint}), their roles, the query
 * parameters the validator accepts, the response codes QueryService can give, and the limits and enums it enforces.
 */
class OpenApiDocumentTest {
    private static final JsonObject DOC = read();

    private static JsonObject read() {
        try {
            return JsonParser.parseString(Files.readString(Path.of("docs/openapi.json"))).getAsJsonObject();
        } catch (Exception e) {
            throw new AssertionError("docs/openapi.json must be readable JSON", e);
        }
    }

    private static JsonObject operation(Endpoint e) {
        return DOC.getAsJsonObject("paths").getAsJsonObject(e.template()).getAsJsonObject("get");
    }

    private static Set<String> strings(JsonArray a) {
        Set<String> out = new TreeSet<>();
        a.forEach(x -> out.add(x.getAsString()));
        return out;
    }

    @Test
    void isOpenApi31WithExactlyTheMountedPathsAndOnlyGet() {
        assertTrue(DOC.get("openapi").getAsString().startsWith("3.1."));
        Set<String> mounted = QueryApi.endpoints().stream().map(Endpoint::template).collect(Collectors.toSet());
        assertEquals(mounted, DOC.getAsJsonObject("paths").keySet());
        for (Endpoint e : Endpoint.values()) {
            assertEquals(Set.of("get"), DOC.getAsJsonObject("paths").getAsJsonObject(e.template()).keySet(),
                    e.template());
        }
    }

    @Test
    void rolesMatchTheEndpointTable() {
        for (Endpoint e : Endpoint.values()) {
            Set<String> roles = e.roles().stream().map(Role::wireName).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(roles, strings(operation(e).getAsJsonArray("x-earshot-roles")), e.template());
            for (String role : roles) {
                assertTrue(operation(e).get("description").getAsString().contains(role), e.template());
            }
        }
    }

    @Test
    void parametersAreExactlyThoseTheValidatorAccepts() {
        for (Endpoint e : Endpoint.values()) {
            List<String> query = new ArrayList<>();
            List<String> path = new ArrayList<>();
            for (JsonElement p : operation(e).getAsJsonArray("parameters")) {
                JsonObject o = p.getAsJsonObject();
                (o.get("in").getAsString().equals("query") ? query : path).add(o.get("name").getAsString());
                assertTrue(o.has("schema") && o.has("description"), e.template() + " " + o.get("name"));
            }
            assertEquals(e.parameters(), query, e.template());
            assertEquals(e == Endpoint.DETECTION ? List.of("id") : List.of(), path, e.template());
        }
    }

    @Test
    void limitsAndEnumsMatchTheCode() {
        for (Endpoint e : Endpoint.values()) {
            for (JsonElement p : operation(e).getAsJsonArray("parameters")) {
                JsonObject o = p.getAsJsonObject();
                JsonObject schema = o.getAsJsonObject("schema");
                switch (o.get("name").getAsString()) {
                    case "limit" -> {
                        assertEquals(QueryParameters.MAX_LIMIT, schema.get("maximum").getAsInt());
                        assertEquals(QueryParameters.DEFAULT_LIMIT, schema.get("default").getAsInt());
                    }
                    case "class" -> {
                        List<String> classes = new ArrayList<>();
                        schema.getAsJsonObject("items").getAsJsonArray("enum").forEach(c -> classes.add(
                                c.getAsString()));
                        assertEquals(Labels.CLASSES, classes);
                    }
                    case "sensor" -> assertEquals(QueryParameters.MAX_VALUES, schema.get("maxItems").getAsInt());
                    case "id" -> assertEquals("^" + Endpoint.DETECTION_ID.pattern() + "$",
                            schema.get("pattern").getAsString());
                    default -> { }
                }
            }
        }
    }

    @Test
    void responseCodesAreThoseQueryServiceGives() {
        for (Endpoint e : Endpoint.values()) {
            Set<String> expected = new HashSet<>(Set.of("200", "400", "401", "429", "500", "503"));
            boolean someRoleForbidden = Arrays.stream(Role.values()).anyMatch(r -> r != Role.PUBLIC && !e.allows(r));
            if (someRoleForbidden) {
                expected.add("403");
            }
            if (e == Endpoint.DETECTION) {
                expected.add("404");
            }
            assertEquals(expected, operation(e).getAsJsonObject("responses").keySet(), e.template());
            assertTrue(operation(e).getAsJsonObject("responses").getAsJsonObject("401").getAsJsonObject("headers")
                    .has("WWW-Authenticate"), e.template());
        }
        assertTrue(operation(Endpoint.DETECTIONS).getAsJsonObject("responses").getAsJsonObject("200")
                .getAsJsonObject("content").has("text/csv"));
    }

    @Test
    void securityIsDeclaredAndOnlyTransparencyIsAnonymous() {
        JsonObject schemes = DOC.getAsJsonObject("components").getAsJsonObject("securitySchemes");
        assertEquals("bearer", schemes.getAsJsonObject("bearer").get("scheme").getAsString());
        assertEquals("X-API-Key", schemes.getAsJsonObject("apiKey").get("name").getAsString());
        for (Endpoint e : Endpoint.values()) {
            boolean anonymous = false;
            for (JsonElement requirement : operation(e).getAsJsonArray("security")) {
                Set<String> names = requirement.getAsJsonObject().keySet();
                anonymous |= names.isEmpty();
                assertTrue(schemes.keySet().containsAll(names), e.template());
            }
            assertEquals(e.allows(Role.PUBLIC), anonymous, e.template());
        }
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(DOC, refs);
        assertFalse(refs.isEmpty());
        Set<String> schemas = DOC.getAsJsonObject("components").getAsJsonObject("schemas").keySet();
        for (String ref : refs) {
            assertTrue(ref.startsWith("#/components/schemas/") && schemas.contains(
                    ref.substring("#/components/schemas/".length())), ref);
        }
    }

    private static void collectRefs(JsonElement e, List<String> refs) {
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                if (m.getKey().equals("$ref")) {
                    refs.add(m.getValue().getAsString());
                } else {
                    collectRefs(m.getValue(), refs);
                }
            }
        } else if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> collectRefs(x, refs));
        }
    }
}
