package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.earshot.config.ApiKeyRegistry;
import org.junit.jupiter.api.Test;

class RoleTest {
    /** The keys file (config, which cannot see this package) lists the roles by name; the two lists must agree. */
    @Test
    void theKeysFileGrantsExactlyTheNonPublicRoles() {
        List<String> grantable = Arrays.stream(Role.values()).filter(r -> r != Role.PUBLIC).map(Role::wireName)
                .toList();
        assertEquals(ApiKeyRegistry.ROLES, grantable);
        for (String name : ApiKeyRegistry.ROLES) {
            assertEquals(name, Role.grantable(name).orElseThrow().wireName());
        }
        assertTrue(Role.grantable("public").isEmpty());
        assertTrue(Role.grantable("ADMIN").isEmpty());
        assertTrue(Role.grantable(null).isEmpty());
    }

    /** The auditor reads everything (there is nothing to change through this API); every other role less. */
    @Test
    void onlyTheAuditorReachesEveryEndpoint() {
        for (Role r : Role.values()) {
            assertEquals(r == Role.AUDITOR, Arrays.stream(Endpoint.values()).allMatch(e -> e.allows(r)), r.name());
        }
    }
}
