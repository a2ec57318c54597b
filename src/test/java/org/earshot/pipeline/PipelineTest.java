package org.earshot.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;

import org.earshot.audio.AudioLoader;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.FrameFormatException;
import org.earshot.audio.Resampler;
import org.earshot.audio.SensorFrame;
import org.earshot.detect.Classifier;
import org.earshot.detect.Detection;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.FileDetector;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The live pipeline against the offline detector, with the shipped model: same audio, same detections. */
class PipelineTest {
    static final Path MODEL = Path.of("models/earshot-v2");
    static final long T0 = 1_764_367_200_000_000L;
    static OnnxClassifier classifier;
    static DetectorConfig config;
    static float[] demo;

    @BeforeAll
    static void load() throws Exception {
        classifier = OnnxClassifier.load(MODEL);
        config = ModelManifest.read(MODEL).detectorConfig();
        demo = AudioLoader.load16k(Path.of("demo/demo.wav")).samples();
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    static Pipeline.Options options(double queueSeconds) {
        return new Pipeline.Options(4, 2, 16, queueSeconds, 8, 5.0);
    }

    /** Audio cut into 100 ms PCM16 frames of protocol v1, the last one flagged end of stream. */
    static List<SensorFrame> frames(float[] samples, int rate, long firstSequence) {
        int per = rate / 10;
        List<SensorFrame> frames = new ArrayList<>();
        for (int start = 0, seq = 0; start < samples.length; start += per, seq++) {
            int end = Math.min(samples.length, start + per);
            byte[] message = FrameCodec.encodePcm16(firstSequence + seq, T0 + Math.round(start * 1e6 / rate), rate,
                    samples, start, end, end == samples.length);
            try {
                frames.add(FrameCodec.decode(message, FrameCodec.DEFAULT_MAX_FRAME_BYTES));
            } catch (FrameFormatException e) {
                throw new AssertionError(e);
            }
        }
        return frames;
    }

    /** What the service hears: the frames' samples, end to end. */
    static float[] heard(List<SensorFrame> frames) {
        int n = frames.stream().mapToInt(SensorFrame::samplesPerChannel).sum();
        float[] out = new float[n];
        int at = 0;
        for (SensorFrame f : frames) {
            float[] mono = f.monoSamples();
            System.arraycopy(mono, 0, out, at, mono.length);
            at += mono.length;
        }
        return out;
    }

    static List<SensorDetection> run(List<SensorFrame> frames, Classifier c, Metrics metrics, double queueSeconds) {
        return run(frames, c, metrics, queueSeconds, config);
    }

    static List<SensorDetection> run(List<SensorFrame> frames, Classifier c, Metrics metrics, double queueSeconds,
            DetectorConfig detector) {
        List<SensorDetection> out = Collections.synchronizedList(new ArrayList<>());
        try (Pipeline p = new Pipeline(c, detector, options(queueSeconds), metrics, List.of(out::add), List.of())) {
            for (SensorFrame f : frames) {
                assertTrue(p.offer(SensorProfile.uncalibrated("s1"), f, T0));
            }
        }
        return out;
    }

    static List<Detection> finals(List<SensorDetection> out) {
        return out.stream().filter(d -> d.stage() == SensorDetection.Stage.FINAL).map(SensorDetection::detection)
                .toList();
    }

    @Test
    void streamedDemoGivesTheDetectionsOfTheWholeFile() {
        List<Detection> offline = FileDetector.detect(demo, classifier, config).detections();
        assertFalse(offline.isEmpty(), "the demo has events at the shipped thresholds");
        Metrics metrics = new Metrics();
        List<SensorDetection> live = run(frames(demo, 16000, 7), classifier, metrics, 60);
        assertEquals(offline, finals(live));
        for (SensorDetection d : live) {
            assertEquals(T0, d.streamStartMicros());
            assertEquals(T0 + Math.round(d.detection().onset() * 1e6), d.onsetMicros());
        }
        // Every final event was announced when it opened, no later than its final onset.
        List<SensorDetection> started = live.stream().filter(d -> d.stage() == SensorDetection.Stage.STARTED)
                .toList();
        assertEquals(offline.size(), started.size());
        SensorMetrics s1 = metrics.sensor("s1");
        assertEquals(frames(demo, 16000, 7).size(), s1.framesProcessed());
        assertEquals(0, s1.gaps() + s1.duplicates() + s1.lateFrames() + s1.droppedFrames());
        assertEquals(1, s1.streams());
        assertTrue(metrics.batches() > 0);
    }

    /**
     * A cascade (earshot-v2's network screening, earshot-v3's confirming, as {@code ModelLoader} builds one from a
     * manifest's cascade section) through the live pipeline gives exactly the detections of the whole file through
     * {@code FileDetector}, as {@code detect} runs it: the cascade decides per window, whatever the batching across
     * sensors. Thresholds of 0.5 so that the demo gives events to compare.
     */
    @Test
    void aCascadeGivesTheDetectionsOfTheWholeFile() {
        DetectorConfig loose = DetectorConfig.defaults(new float[] {0.5f, 0.5f, 0.5f});
        try (org.earshot.detect.CascadeClassifier cascade = new org.earshot.detect.CascadeClassifier(
                OnnxClassifier.load(MODEL), OnnxClassifier.load(Path.of("models/earshot-v3")),
                new float[] {0.2f, 0.2f, 0.2f})) {
            List<Detection> offline = FileDetector.detect(demo, cascade, loose).detections();
            assertFalse(offline.isEmpty(), "the demo has events at these thresholds");
            long screened = cascade.screened();
            assertTrue(cascade.confirmed() < screened, "the screen passed every window: nothing was screened out");
            List<SensorDetection> live = run(frames(demo, 16000, 7), cascade, new Metrics(), 60, loose);
            assertEquals(offline, finals(live));
        }
    }

    @Test
    void aSensorAt48kHzGivesTheDetectionsOfTheResampledFile() {
        List<SensorFrame> frames = frames(Resampler.resample(demo, 16000, 48000), 48000, 0);
        float[] offline16k = Resampler.resample(heard(frames), 48000, 16000);
        List<Detection> offline = FileDetector.detect(offline16k, classifier, config).detections();
        assertFalse(offline.isEmpty());
        List<SensorDetection> live = run(frames, classifier, new Metrics(), 60);
        assertEquals(offline, finals(live));
    }

    @Test
    void reorderedAndDuplicatedFramesWithinTheWindowChangeNothing() {
        List<SensorFrame> frames = new ArrayList<>(frames(demo, 16000, 0));
        Random random = new Random(5);
        // Swap neighbours here and there (within the reorder window) and send some frames twice.
        for (int i = 1; i + 1 < frames.size() - 1; i += 2 + random.nextInt(5)) {
            Collections.swap(frames, i, i + 1);
        }
        List<SensorFrame> withDuplicates = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            withDuplicates.add(frames.get(i));
            if (i % 17 == 3) {
                withDuplicates.add(frames.get(i));
            }
        }
        Metrics metrics = new Metrics();
        List<SensorDetection> live = run(withDuplicates, classifier, metrics, 60);
        assertEquals(FileDetector.detect(demo, classifier, config).detections(), finals(live));
        assertEquals(withDuplicates.size() - frames.size(), metrics.sensor("s1").duplicates());
        assertEquals(0, metrics.sensor("s1").gaps());
    }

    @Test
    void aGapRestartsTheAnalysisOnTheNextFramesClock() {
        List<SensorFrame> frames = new ArrayList<>(frames(demo, 16000, 100));
        // Lose 1 s (10 frames) in the middle: more than the reorder window of 8.
        List<SensorFrame> lost = frames.subList(100, 110);
        SensorFrame afterGap = frames.get(110);
        lost.clear();
        Metrics metrics = new Metrics();
        List<SensorDetection> live = run(frames, classifier, metrics, 60);
        SensorMetrics s1 = metrics.sensor("s1");
        assertEquals(1, s1.gaps());
        assertEquals(10, s1.missingFrames());
        assertEquals(2, s1.streams());
        // Detections after the gap are timed from the first frame after it.
        for (SensorDetection d : live) {
            assertTrue(d.streamStartMicros() == T0 || d.streamStartMicros() == afterGap.captureMicros(),
                    "stream start " + d.streamStartMicros());
        }
        assertTrue(live.stream().anyMatch(d -> d.streamStartMicros() == afterGap.captureMicros()),
                "the second shout, after the gap, is still found: " + live);
    }

    @Test
    void aFormatChangeEndsTheStream() {
        List<SensorFrame> frames = new ArrayList<>(frames(demo, 16000, 0));
        SensorFrame f = frames.get(50);
        frames.set(50, new SensorFrame(f.format(), 16000, 2, false, f.sequence(), f.captureMicros(),
                f.samplesPerChannel() / 2, f.pcm()));
        assertEquals(f.durationSeconds() / 2, frames.get(50).durationSeconds(), 1e-9);
        Metrics metrics = new Metrics();
        run(frames, classifier, metrics, 60);
        assertEquals(2, metrics.sensor("s1").formatChanges());
        assertEquals(3, metrics.sensor("s1").streams());
    }

    @Test
    void anOverloadedPipelineDropsTheOldestFramesAndStaysBounded() throws Exception {
        Semaphore gate = new Semaphore(0);
        Classifier stalled = new Classifier() {
            @Override
            public float[][] classify(float[][] patches) {
                gate.acquireUninterruptibly();
                return classifier.classify(patches);
            }

            @Override
            public void close() {
            }
        };
        Metrics metrics = new Metrics();
        List<SensorFrame> frames = frames(demo, 16000, 0);
        List<SensorDetection> out = Collections.synchronizedList(new ArrayList<>());
        try (Pipeline p = new Pipeline(stalled, config.withGateEnabled(false), options(1.0), metrics,
                List.of(out::add), List.of())) {
            for (int i = 0; i < frames.size(); i++) {
                p.offer(SensorProfile.uncalibrated("s1"), frames.get(i), T0);
                assertTrue(metrics.sensor("s1").queuedFrames() <= 11, "queue bounded at 1 s of audio");
                if (i == 10) {
                    // From here on the worker is stuck in the classifier with the stream under way.
                    org.earshot.testing.Await.until(gate::hasQueuedThreads, java.time.Duration.ofSeconds(30),
                            () -> "the worker never reached the classifier");
                }
            }
            assertTrue(metrics.sensor("s1").droppedFrames() > 100, "dropped " + metrics.sensor("s1").droppedFrames());
            gate.release(100_000);
        }
        SensorMetrics s1 = metrics.sensor("s1");
        assertEquals(frames.size(), s1.framesAccepted());
        assertEquals(frames.size(), s1.framesProcessed() + s1.droppedFrames());
        assertEquals(1, s1.gaps(), "the dropped stretch is one gap");
        assertEquals(2, s1.streams());
    }

    @Test
    void anErrorInAnOutputDoesNotStopTheSensorsAnalysis() {
        List<Detection> offline = FileDetector.detect(demo, classifier, config).detections();
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        List<SensorDetection> out = Collections.synchronizedList(new ArrayList<>());
        // The first alert meets an exhausted heap in an output (the MQTT fan-out, say); the analysis goes on.
        DetectionSink failing = d -> {
            if (d.stage() == SensorDetection.Stage.STARTED && thrown.compareAndSet(false, true)) {
                throw new OutOfMemoryError("injected: Java heap space");
            }
            out.add(d);
        };
        Metrics metrics = new Metrics();
        List<SensorFrame> frames = frames(demo, 16000, 0);
        try (Pipeline p = new Pipeline(classifier, config, options(60), metrics, List.of(failing), List.of())) {
            for (SensorFrame f : frames) {
                assertTrue(p.offer(SensorProfile.uncalibrated("s1"), f, T0));
            }
        }
        assertTrue(thrown.get());
        assertEquals(frames.size(), metrics.sensor("s1").framesProcessed(), "every frame was analysed");
        assertEquals(offline, finals(out));
        assertEquals(1, metrics.sinkErrors());
    }

    @Test
    void aStuckAnalysisShowsInTheProgressCheckAndRecovers() {
        Semaphore gate = new Semaphore(0);
        Classifier stuck = new Classifier() {
            @Override
            public float[][] classify(float[][] patches) {
                gate.acquireUninterruptibly();
                gate.release();
                return classifier.classify(patches);
            }

            @Override
            public void close() {
            }
        };
        Metrics metrics = new Metrics();
        List<SensorFrame> frames = frames(demo, 16000, 0);
        try (Pipeline p = new Pipeline(stuck, config, options(60), metrics, List.of(), List.of())) {
            assertTrue(p.progressing(0), "nothing queued, nothing stuck");
            for (SensorFrame f : frames.subList(0, 40)) {
                assertTrue(p.offer(SensorProfile.uncalibrated("s1"), f, T0));
            }
            // The worker waits for the classifier for good; the audio behind it waits too.
            org.earshot.testing.Await.until(() -> !p.progressing(100_000_000L), java.time.Duration.ofSeconds(30),
                    () -> "the stuck analysis does not show");
            assertTrue(p.progressing(), "not before " + Pipeline.STALL_SECONDS + " s by default");
            gate.release();
            org.earshot.testing.Await.until(() -> metrics.sensor("s1").framesProcessed() == 40,
                    java.time.Duration.ofSeconds(60), () -> "the analysis did not resume");
            assertTrue(p.progressing(0));
        }
    }
}
