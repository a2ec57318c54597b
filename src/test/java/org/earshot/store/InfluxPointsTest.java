package org.earshot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.earshot.pipeline.LevelReading;
import org.earshot.pipeline.SensorProfile;
import org.junit.jupiter.api.Test;

class InfluxPointsTest {
    private static final long ONSET = 1_700_000_000_000_000L;

    private static StoredDetection detection(String model, Double peakDbfs, Double peakDb) {
        return new StoredDetection(7, "s1-" + ONSET + "-shout", "s 1", "shout", ONSET, ONSET + 1_500_000, 0.93,
                peakDbfs, peakDb, model, ONSET + 1_600_000);
    }

    private static String line(org.influxdb.dto.Point point) {
        return point.lineProtocol(TimeUnit.MICROSECONDS);
    }

    @Test
    void detectionIsKeyedBySensorClassModelAndOnsetWithEverythingElseAsFields() {
        assertEquals("detection,class=shout,model=yamnet-256@3,sensor=s\\ 1 confidence=0.93,duration_s=1.5,"
                + "id=\"s1-" + ONSET + "-shout\",latency_s=0.1,offset_us=" + (ONSET + 1_500_000) + "i,onset_us=" + ONSET
                + "i,peak_dbfs=-12.5,position=7i,received_us=" + (ONSET + 1_600_000) + "i " + ONSET,
                line(InfluxPoints.detection(detection("yamnet-256@3", -12.5, null))));
    }

    @Test
    void detectionOfACalibratedSensorCarriesPeakInDb() {
        assertTrue(line(InfluxPoints.detection(detection("m", -12.5, 81.5))).contains(",peak_db=81.5,"));
    }

    @Test
    void detectionWithoutModelOrPeakLeavesThemOut() {
        String line = line(InfluxPoints.detection(detection(null, null, null)));
        assertFalse(line.contains("model="), line);
        assertFalse(line.contains("peak_db"), line);
    }

    @Test
    void rewritingTheSameDetectionGivesTheSameLine() {
        // Idempotent catch-up relies on it: a rewrite after a crash must hit the same point.
        assertEquals(line(InfluxPoints.detection(detection("m", -3.0, null))),
                line(InfluxPoints.detection(detection("m", -3.0, null))));
    }

    @Test
    void levelOfAnUncalibratedSensorIsInDbfsOnly() {
        String line = line(InfluxPoints.level(new LevelReading(SensorProfile.uncalibrated("s1"), ONSET, -40.25, -6.5))
                .orElseThrow());
        assertEquals("sound_level,sensor=s1 laeq_dbfs=-40.25,peak_dbfs=-6.5 " + ONSET, line);
    }

    @Test
    void levelOfACalibratedSensorAddsDbSpl() {
        SensorProfile calibrated = new SensorProfile("s1", 94.0, Set.of());
        String line = line(InfluxPoints.level(new LevelReading(calibrated, ONSET, -40.25, -6.5)).orElseThrow());
        assertEquals("sound_level,sensor=s1 laeq_db=53.75,laeq_dbfs=-40.25,peak_db=87.5,peak_dbfs=-6.5 " + ONSET, line);
    }

    @Test
    void silentLevelFieldsAreLeftOutAndAllSilentGivesNoPoint() {
        SensorProfile calibrated = new SensorProfile("s1", 94.0, Set.of());
        String line = line(InfluxPoints.level(new LevelReading(calibrated, ONSET, Double.NEGATIVE_INFINITY, -60.0))
                .orElseThrow());
        assertEquals("sound_level,sensor=s1 peak_db=34.0,peak_dbfs=-60.0 " + ONSET, line);
        assertTrue(InfluxPoints.level(new LevelReading(calibrated, ONSET, Double.NEGATIVE_INFINITY,
                Double.NEGATIVE_INFINITY)).isEmpty());
    }

    @Test
    void healthHasCountersAsIntegersAndTimeSinceLastSeen() {
        String line = line(InfluxPoints.health(new SensorHealth("s1", true, 100, 2, 1, 3, 0.3, ONSET), ONSET + 2_000_000));
        assertEquals("sensor_health,sensor=s1 clipped=0i,connected=true,dropped=1i,frames=100i,gaps=2i,last_seen_us="
                + ONSET + "i,queue_depth=3i,queue_seconds=0.3,silent_s=2.0 " + (ONSET + 2_000_000), line);
    }

    @Test
    void healthCarriesClippingAndTheDeclaredPosition() {
        String line = line(InfluxPoints.health(new SensorHealth("s1", true, 100, 0, 0, 0, 0, ONSET, 7, "Dam Square",
                52.3731, 4.8922), ONSET));
        assertTrue(line.contains("clipped=7i") && line.contains("latitude=52.3731") && line.contains("longitude=4.8922")
                && line.contains("location=\"Dam Square\""), line);
    }

    @Test
    void statusIsOnePointPlusOnePerRole() {
        List<String> lines = InfluxPoints.status(new ServiceStatus("earshot-v2", 120, true, 100, ONSET - 5_000_000,
                Map.of("auditor", 4L, "public", 9L), Map.of("public", 2L)), ONSET).stream().map(p -> line(p)).toList();
        assertEquals("service_status,model=earshot-v2 checkpoint_age_s=5.0,checkpoint_tree_size=100i,"
                + "journal_entries=120i,journal_healthy=true,model_name=\"earshot-v2\",unsigned_entries=20i " + ONSET,
                lines.get(0));
        assertEquals(List.of("api_access,role=auditor refused=0i,requests=4i " + ONSET,
                "api_access,role=public refused=2i,requests=9i " + ONSET), lines.subList(1, 3));
    }

    @Test
    void healthOfANeverSeenSensorHasNoSilentTime() {
        String line = line(InfluxPoints.health(new SensorHealth("s1", false, 0, 0, 0, 0, 0, 0), ONSET));
        assertFalse(line.contains("silent_s"), line);
        assertTrue(line.contains("connected=false"), line);
    }
}
