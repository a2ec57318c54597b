package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.earshot.audio.AudioLoader;
import org.earshot.audio.FrameCodec;
import org.earshot.detect.DetectorConfig;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.Pipeline;
import org.earshot.pipeline.SensorDetection;
import org.earshot.pipeline.SensorProfile;
import org.junit.jupiter.api.Test;

/**
 * A sensor's capture clock is its own: a first frame stamped near 2^63 µs, followed by frames at the right time, made
 * the stream start there and every detection's onset overflow (year -290308). Capture times are now checked against
 * the service's receive clock within {@code ingest.max_clock_offset_seconds}; a frame outside, the first or one whose
 * clock jumps later, is refused and counted under {@code clock_offset}, and detections keep sane times.
 */
class CaptureClockTest {
    private static final long T0 = 1_764_367_200_000_000L;

    @Test
    void aFirstFrameNearTwoToThe63AndAJumpLaterAreRefusedAndOnsetsStaySane() throws Exception {
        Path model = Path.of("models/earshot-v2");
        float[] demo = AudioLoader.load16k(Path.of("demo/demo.wav")).samples();
        DetectorConfig config = ModelManifest.read(model).detectorConfig();
        List<SensorDetection> out = Collections.synchronizedList(new ArrayList<>());
        Metrics metrics = new Metrics();
        List<FrameIntake.Result> results = new ArrayList<>();
        int frames = 0;
        try (OnnxClassifier classifier = OnnxClassifier.load(model);
             Pipeline pipeline = new Pipeline(classifier, config, new Pipeline.Options(4, 2, 16, 60, 8, 5.0), metrics,
                     List.of(out::add), List.of())) {
            FrameIntake intake = new FrameIntake(pipeline, FrameCodec.DEFAULT_MAX_FRAME_BYTES, 600_000_000L);
            SensorProfile sensor = SensorProfile.uncalibrated("s1");
            for (int start = 0, seq = 0; start < demo.length; start += 1600, seq++) {
                int end = Math.min(demo.length, start + 1600);
                long capture = T0 + start * 1_000_000L / 16000;
                if (seq == 0) {
                    capture = Long.MAX_VALUE - 1_000_000; // 2^63 µs less one second
                } else if (seq == 50) {
                    capture += 86_400_000_000L; // one frame a day ahead
                }
                byte[] message = FrameCodec.encodePcm16(seq, capture, 16000, demo, start, end, end == demo.length);
                results.add(intake.accept("test", sensor, message, T0 + start * 1_000_000L / 16000 + 20_000));
                frames++;
            }
        }
        assertFalse(out.isEmpty(), "the demo's events are still detected");
        for (SensorDetection d : out) {
            assertTrue(Math.abs(d.onsetMicros() - T0) < 3_600_000_000L, "onset_us " + d.onsetMicros() + " of " + d);
        }
        assertFalse(results.get(0).accepted());
        assertEquals("clock_offset", results.get(0).reason());
        assertTrue(results.get(0).message().contains("ingest.max_clock_offset_seconds"), results.get(0).message());
        assertFalse(results.get(50).accepted());
        assertEquals(2, metrics.sensor("s1").rejectedCount("clock_offset"));
        assertEquals(frames - 2, results.stream().filter(FrameIntake.Result::accepted).count());
    }
}
