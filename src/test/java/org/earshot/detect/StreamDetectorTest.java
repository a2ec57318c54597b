package org.earshot.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.earshot.dsp.FrontEndSpec;
import org.junit.jupiter.api.Test;

class StreamDetectorTest {
    private static final float QUIET_LOG_MEL = (float) Math.log(FrontEndSpec.LOG_OFFSET);
    private static final DetectorConfig CONFIG = DetectorConfig.defaults(new float[] {0.5f, 0.5f, 0.5f});
    private static final int BANDS_PER_CLASS = 20;

    /**
     * A deterministic stand-in for a network: class c is "present" (0.9) when at least 5 frames of the patch have a
     * mean above -3 in mel bands [20c, 20c + 20), else 0.05. Records the batch sizes it was called with.
     */
    private static final class BandEnergyClassifier implements Classifier {
        final List<Integer> batchSizes = new ArrayList<>();
        float[] firstPatch;

        @Override
        public float[][] classify(float[][] patches) {
            batchSizes.add(patches.length);
            if (firstPatch == null) {
                firstPatch = patches[0].clone();
            }
            float[][] scores = new float[patches.length][Labels.CLASSES.size()];
            for (int n = 0; n < patches.length; n++) {
                for (int c = 0; c < Labels.CLASSES.size(); c++) {
                    int loudFrames = 0;
                    for (int f = 0; f < FrontEndSpec.PATCH_FRAMES; f++) {
                        double sum = 0;
                        for (int mel = c * BANDS_PER_CLASS; mel < (c + 1) * BANDS_PER_CLASS; mel++) {
                            sum += patches[n][mel * FrontEndSpec.PATCH_FRAMES + f];
                        }
                        if (sum / BANDS_PER_CLASS > -3) {
                            loudFrames++;
                        }
                    }
                    scores[n][c] = loudFrames >= 5 ? 0.9f : 0.05f;
                }
            }
            return scores;
        }

        int patchesClassified() {
            return batchSizes.stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public void close() {}
    }

    /** A synthetic stream: quiet background with a glass-like burst (bands 20-39, -20 dBFS) over [from, to). */
    private static final class Stream {
        final float[][] mel;
        final double[] levels;

        Stream(int frames) {
            mel = new float[frames][FrontEndSpec.MEL_BANDS];
            levels = new double[frames];
            for (int i = 0; i < frames; i++) {
                java.util.Arrays.fill(mel[i], QUIET_LOG_MEL);
                levels[i] = -60 + (i % 4) * 0.5;
            }
        }

        Stream burst(int classIndex, int from, int to) {
            for (int i = from; i < to; i++) {
                for (int b = classIndex * BANDS_PER_CLASS; b < (classIndex + 1) * BANDS_PER_CLASS; b++) {
                    mel[i][b] = 0f;
                }
                levels[i] = -20;
            }
            return this;
        }
    }

    @Test
    void detectsABurstWithRefinedTimesAndSkipsQuietWindows() {
        Stream stream = new Stream(2000).burst(1, 1234, 1254);
        BandEnergyClassifier classifier = new BandEnergyClassifier();
        StreamDetector detector = new StreamDetector(classifier, CONFIG, 32);
        List<Detection> events = new ArrayList<>(detector.accept(stream.mel, stream.levels));
        events.addAll(detector.flush());

        assertEquals(1, events.size());
        Detection event = events.get(0);
        assertEquals("glass_break", event.label());
        assertEquals(12.34, event.onset(), 0.1);
        assertEquals(12.54, event.offset(), 0.1);
        assertEquals(-20, event.peakDbfs(), 1e-9);
        // 40 windows on the hop grid (last at frame 1872) plus one end-aligned window for frames 1968-1999.
        assertEquals(41, detector.totalWindows());
        assertTrue(detector.gatedWindows() > 20, "gated " + detector.gatedWindows());
        assertEquals(detector.totalWindows() - detector.gatedWindows(), classifier.patchesClassified());
        assertTrue(classifier.batchSizes.stream().allMatch(size -> size <= 32), classifier.batchSizes.toString());
    }

    @Test
    void batchingAndGatingDoNotChangeTheDetections() {
        Stream stream = new Stream(3000).burst(0, 500, 560).burst(2, 1500, 1505).burst(1, 2200, 2230);
        List<Detection> one = detectAll(new BandEnergyClassifier(), CONFIG, stream.mel, stream.levels,
                1);
        List<Detection> many = detectAll(new BandEnergyClassifier(), CONFIG, stream.mel, stream.levels,
                32);
        List<Detection> ungated = detectAll(new BandEnergyClassifier(), CONFIG.withGateEnabled(false),
                stream.mel, stream.levels, 7);
        assertEquals(3, one.size());
        assertEquals(List.of("shout", "impact", "glass_break"), one.stream().map(Detection::label).toList());
        assertEquals(one, many);
        assertEquals(one, ungated);
    }

    @Test
    void liveStreamsGetEventsBeforeTheEnd() {
        Stream stream = new Stream(2000).burst(1, 500, 520);
        StreamDetector detector = new StreamDetector(new BandEnergyClassifier(), CONFIG, 1);
        List<Detection> live = detector.accept(stream.mel, stream.levels);
        assertEquals(1, live.size());
        assertEquals(5.0, live.get(0).onset(), 0.1);
        assertEquals(List.of(), detector.flush());
    }

    @Test
    void patchesAreMelMajor() {
        Stream stream = new Stream(96);
        for (int f = 0; f < 96; f++) {
            for (int mel = 0; mel < FrontEndSpec.MEL_BANDS; mel++) {
                stream.mel[f][mel] = -5 - mel * 0.01f - f * 0.0001f;
            }
        }
        BandEnergyClassifier classifier = new BandEnergyClassifier();
        detectAll(classifier, CONFIG, stream.mel, stream.levels, 4);
        assertEquals(List.of(1), classifier.batchSizes);
        assertEquals(stream.mel[7][3], classifier.firstPatch[3 * 96 + 7]);
        assertEquals(stream.mel[95][63], classifier.firstPatch[63 * 96 + 95]);
    }

    @Test
    void aStreamShorterThanOneWindowIsPaddedWithSilence() {
        Stream stream = new Stream(50).burst(2, 10, 20);
        BandEnergyClassifier classifier = new BandEnergyClassifier();
        List<Detection> events = detectAll(classifier, CONFIG, stream.mel, stream.levels, 4);
        assertEquals(List.of(1), classifier.batchSizes);
        float[] padding = new float[FrontEndSpec.PATCH_FRAMES - 50];
        java.util.Arrays.fill(padding, QUIET_LOG_MEL);
        float[] tailOfBandZero = java.util.Arrays.copyOfRange(classifier.firstPatch, 50, FrontEndSpec.PATCH_FRAMES);
        assertArrayEquals(padding, tailOfBandZero);
        assertEquals(1, events.size());
        assertEquals("impact", events.get(0).label());
    }

    @Test
    void rejectsMalformedInputAndAWrongClassifierAnswer() {
        StreamDetector detector = new StreamDetector(new BandEnergyClassifier(), CONFIG, 1);
        assertThrows(IllegalArgumentException.class, () -> detector.accept(new float[10], -60));
        assertThrows(IllegalArgumentException.class, () -> new StreamDetector(new BandEnergyClassifier(), CONFIG, 0));
        Classifier broken = new Classifier() {
            @Override
            public float[][] classify(float[][] patches) {
                return new float[0][];
            }

            @Override
            public void close() {}
        };
        Stream stream = new Stream(96);
        assertThrows(IllegalStateException.class,
                () -> detectAll(broken, CONFIG, stream.mel, stream.levels, 1));
    }

    /** Feeds all frames, then flushes: FileDetector's path, on frames made by the test. */
    private static List<Detection> detectAll(Classifier classifier, DetectorConfig config, float[][] melFrames,
            double[] levelsDbfs, int maxBatchWindows) {
        StreamDetector detector = new StreamDetector(classifier, config, maxBatchWindows);
        List<Detection> detections = new ArrayList<>(detector.accept(melFrames, levelsDbfs));
        detections.addAll(detector.flush());
        return detections;
    }
}
