package org.earshot.api;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static org.earshot.api.Role.ADMIN;
import static org.earshot.api.Role.AUDITOR;
import static org.earshot.api.Role.OPERATOR;
import static org.earshot.api.Role.PUBLIC;

/**
 * The query API's endpoints, in one table: path template, the roles that may call it and the query parameters it
 * takes. {@link QueryService} dispatches on it and nothing else, and {@code docs/openapi.json} is tested against it,
 * so the roles matrix, the routes and the document cannot drift apart. All endpoints answer GET only.
 */
public enum Endpoint {
    TRANSPARENCY("/transparency", EnumSet.of(PUBLIC, OPERATOR, AUDITOR, ADMIN), List.of("from", "to")),
    DETECTIONS("/detections", EnumSet.of(OPERATOR, AUDITOR),
            List.of("from", "to", "sensor", "class", "min_confidence", "limit", "cursor", "format")),
    DETECTION("/detections/{id}", EnumSet.of(OPERATOR, AUDITOR), List.of()),
    JOURNAL_ENTRIES("/journal/entries", EnumSet.of(AUDITOR), List.of("after", "limit", "type")),
    JOURNAL_CHECKPOINTS("/journal/checkpoints", EnumSet.of(AUDITOR), List.of("after", "limit")),
    JOURNAL_CONSISTENCY("/journal/consistency", EnumSet.of(AUDITOR), List.of("from", "to")),
    SENSORS("/sensors", EnumSet.of(OPERATOR, AUDITOR, ADMIN), List.of()),
    CONFIG("/config", EnumSet.of(AUDITOR, ADMIN), List.of());

    public static final String PREFIX = "/api/v1";
    public static final String METHOD = "GET";
    /** Detection ids as the journal makes them; anything else cannot name a detection and is refused unread. */
    public static final Pattern DETECTION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final String DETECTION_PREFIX = PREFIX + "/detections/";

    private final String template;
    private final Set<Role> roles;
    private final List<String> parameters;

    Endpoint(String relative, Set<Role> roles, List<String> parameters) {
        this.template = PREFIX + relative;
        this.roles = Set.copyOf(roles);
        this.parameters = List.copyOf(parameters);
    }

    /** The path as OpenAPI writes it, e.g. {@code /api/v1/detections/{id}}. */
    public String template() {
        return template;
    }

    public Set<Role> roles() {
        return roles;
    }

    /** The query parameters this endpoint accepts; any other is refused with 400. */
    public List<String> parameters() {
        return parameters;
    }

    public boolean allows(Role role) {
        return roles.contains(role);
    }

    /** The endpoint a request path names, and its path parameter (the detection id) if it has one. */
    public record Match(Endpoint endpoint, String id) {}

    /**
     * The endpoint for an exact, undecoded request path; empty for anything else (trailing slashes, dot segments,
     * percent-encoding and empty ids included), which then answers 404.
     */
    public static Optional<Match> match(String path) {
        for (Endpoint e : values()) {
            if (e != DETECTION && e.template.equals(path)) {
                return Optional.of(new Match(e, null));
            }
        }
        if (path.startsWith(DETECTION_PREFIX)) {
            String id = path.substring(DETECTION_PREFIX.length());
            if (DETECTION_ID.matcher(id).matches()) {
                return Optional.of(new Match(DETECTION, id));
            }
        }
        return Optional.empty();
    }
}
