package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

/** What {@link RequiresServers} does when a server binary is there, missing, or missing but required. */
class ServerConditionTest {
    private static final Set<Server> BOTH = EnumSet.of(Server.MOSQUITTO, Server.INFLUXD);

    @Test
    void runsWhenEveryServerIsInstalled() {
        assertFalse(new ServerCondition(server -> true, false).evaluate(BOTH).isDisabled());
        assertFalse(new ServerCondition(server -> true, true).evaluate(BOTH).isDisabled());
    }

    @Test
    void skipsWithAOneLineReasonNamingTheMissingBinaryAndItsPackage() {
        ConditionEvaluationResult result = new ServerCondition(server -> server != Server.INFLUXD, false)
                .evaluate(BOTH);
        assertTrue(result.isDisabled());
        String reason = result.getReason().orElseThrow();
        assertEquals(ServerCondition.SKIP_PREFIX + "influxd not found (PATH, /usr/sbin, /usr/local/sbin, /sbin,"
                + " /usr/bin): install the Debian package 'influxdb', or run scripts/test.sh", reason);
        assertFalse(reason.contains("\n"), reason);
    }

    @Test
    void failsInsteadWhenServersAreRequired() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ServerCondition(server -> false, true).evaluate(BOTH));
        assertTrue(e.getMessage().contains("mosquitto not found") && e.getMessage().contains("influxd not found")
                && e.getMessage().contains("EARSHOT_REQUIRE_SERVICES=1"), e.getMessage());
    }
}
