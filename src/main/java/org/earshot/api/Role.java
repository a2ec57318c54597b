package org.earshot.api;

import java.util.Locale;
import java.util.Optional;

/**
 * Who may do what through the query API. {@link #PUBLIC} is implied for a request without credentials and can never
 * be granted by a key or token; the others are granted by an API key ({@code api-keys.json}) or a JWT {@code role}
 * claim, by their lower-case {@link #wireName()}. An auditor reads everything and changes nothing, an operator reads
 * detections and sensors, an admin reads the configuration and sensors. Which role reaches which endpoint is decided
 * per endpoint in {@link QueryService}, not by an order of roles: no role includes another.
 */
public enum Role {
    PUBLIC, OPERATOR, AUDITOR, ADMIN;

    /** The name in keys files, JWT claims and audit records: {@code public}, {@code operator}... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role a key or token may grant under this exact name; never {@link #PUBLIC}. */
    public static Optional<Role> grantable(String wireName) {
        for (Role r : values()) {
            if (r != PUBLIC && r.wireName().equals(wireName)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
