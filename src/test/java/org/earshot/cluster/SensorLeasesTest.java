package org.earshot.cluster;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SensorLeasesTest {
    @Test
    void aNewerClaimOfAnotherNodeTakesTheSensorAndNothingElseDoes() {
        SensorLeases a = new SensorLeases("node-a");
        a.claim("s1", 1_000);
        assertEquals(Optional.empty(), a.observe(new SensorLeases.Lease("s1", "node-a", 5_000)), "its own claim");
        assertEquals(Optional.empty(), a.observe(new SensorLeases.Lease("s1", "node-b", 999)), "an older claim");
        assertEquals(Optional.empty(), a.observe(new SensorLeases.Lease("s2", "node-b", 9_999)), "a sensor not held");
        assertTrue(a.holds("s1"));
        assertEquals(Optional.of("s1"), a.observe(new SensorLeases.Lease("s1", "node-b", 1_001)));
        assertFalse(a.holds("s1"));
        assertEquals(Optional.empty(), a.observe(new SensorLeases.Lease("s1", "node-c", 2_000)), "lost already");
    }

    @Test
    void claimsAtTheSameMicrosecondAreOrderedByNodeSoEveryNodeAgrees() {
        SensorLeases.Lease a = new SensorLeases.Lease("s1", "node-a", 7);
        SensorLeases.Lease b = new SensorLeases.Lease("s1", "node-b", 7);
        assertTrue(b.newerThan(a));
        assertFalse(a.newerThan(b));
        SensorLeases onA = new SensorLeases("node-a");
        onA.claim("s1", 7);
        assertEquals(Optional.of("s1"), onA.observe(b));
        SensorLeases onB = new SensorLeases("node-b");
        onB.claim("s1", 7);
        assertEquals(Optional.empty(), onB.observe(a));
    }
}
