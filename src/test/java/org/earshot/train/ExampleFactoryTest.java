package org.earshot.train;

import org.earshot.dsp.LogMel;
import org.earshot.dsp.FrontEndSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExampleFactoryTest {
    private static final int FS = 16_000;

    private static List<LoadedClip> clips() {
        List<LoadedClip> clips = new ArrayList<>();
        Random r = new Random(1);
        for (String label : new String[] {"background", "shout", "glass_break", "impact"}) {
            for (int g = 0; g < 3; g++) {
                float[] x = new float[FS / 2 + g * FS];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (0.05 * r.nextGaussian());
                }
                clips.add(LoadedClip.of(new ClipEntry(Path.of(label + g + ".wav"), label + g + ".wav", label, "train", label + g, "", "", ""),
                        x));
            }
        }
        return clips;
    }

    @Test
    void segmentGivesExactlyOnePatchOfFrames() {
        assertEquals(FrontEndSpec.PATCH_FRAMES, LogMel.frameCount(ExampleFactory.SEGMENT));
    }

    @Test
    void examplesAreFullLengthFiniteAndLabelledOncePerEvent() {
        ExampleFactory f = new ExampleFactory(clips(), 0.4, -6, 12);
        Random rng = new Random(5);
        int background = 0;
        for (int i = 0; i < 300; i++) {
            ExampleFactory.Example e = f.trainingExample(rng);
            assertEquals(ExampleFactory.SEGMENT, e.waveform().length);
            float peak = 0;
            for (float v : e.waveform()) {
                assertTrue(Float.isFinite(v));
                peak = Math.max(peak, Math.abs(v));
            }
            assertTrue(peak <= 1f && peak > 0, "peak " + peak);
            float sum = 0;
            for (float l : e.labels()) {
                assertTrue(l == 0f || l == 1f);
                sum += l;
            }
            if (sum == 0) {
                background++;
            }
        }
        // 40 % background-only, within sampling noise.
        assertTrue(background > 90 && background < 150, "background-only examples: " + background);
    }

    @Test
    void sameSeedSameExamples() {
        ExampleFactory f = new ExampleFactory(clips(), 0.4, -6, 12);
        ExampleFactory.Example a = f.trainingExample(new Random(42));
        ExampleFactory.Example b = f.trainingExample(new Random(42));
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.waveform(), b.waveform());
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.labels(), b.labels());
    }

    @Test
    void mixAtSetsTheRatio() {
        float[] bg = new float[FS];
        float[] ev = new float[FS];
        Random r = new Random(2);
        for (int i = 0; i < FS; i++) {
            bg[i] = (float) (0.1 * r.nextGaussian());
            ev[i] = (float) Math.sin(2 * Math.PI * 440 * i / FS);
        }
        double bgRms = Augment.rms(bg, 0, FS);
        float[] mix = bg.clone();
        ExampleFactory.mixAt(mix, ev, Augment.rms(ev, 0, FS), 6.0);
        float[] added = new float[FS];
        for (int i = 0; i < FS; i++) {
            added[i] = mix[i] - bg[i];
        }
        assertEquals(6.0, 20 * Math.log10(Augment.rms(added, 0, FS) / bgRms), 0.01);
    }

    @Test
    void backgroundIsDrawnByDurationNotByGroup() {
        // Ten one-second "words" (positive samples) and one 30-second recording (negative samples), each its own
        // group: by group the recording would give 1/11 of the background, by duration 3/4.
        List<LoadedClip> clips = new ArrayList<>(clips().stream().filter(c -> c.entry().isEvent()).toList());
        for (int g = 0; g < 10; g++) {
            float[] word = new float[FS];
            java.util.Arrays.fill(word, 0.01f);
            clips.add(LoadedClip.of(new ClipEntry(Path.of("w" + g + ".wav"), "w" + g + ".wav", "background", "train",
                    "word" + g, "", "", ""), word));
        }
        float[] street = new float[30 * FS];
        java.util.Arrays.fill(street, -0.01f);
        clips.add(LoadedClip.of(new ClipEntry(Path.of("s.wav"), "s.wav", "background", "train", "street", "", "", ""),
                street));
        ExampleFactory f = new ExampleFactory(clips, 0.4, -6, 12);
        Random rng = new Random(3);
        long negative = 0;
        long total = 0;
        for (int i = 0; i < 400; i++) {
            for (float v : f.backgroundSegment(rng, ExampleFactory.SEGMENT)) {
                negative += v < 0 ? 1 : 0;
                total++;
            }
        }
        double share = negative / (double) total;
        assertTrue(share > 0.6 && share < 0.9, "share of the 30 s recording: " + share);
    }

    @Test
    void aboutHalfTheEventsArePlayedFasterOrSlowerWithinTheRange() {
        // Silent background and 1 kHz tone events: an example's tone frequency is the speed factor times 1 kHz.
        List<LoadedClip> clips = new ArrayList<>();
        for (String label : new String[] {"background", "shout", "glass_break", "impact"}) {
            float[] x = new float[2 * FS];
            if (!label.equals("background")) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 1000 * i / FS));
                }
            }
            clips.add(LoadedClip.of(new ClipEntry(Path.of(label + ".wav"), label + ".wav", label, "train", label, "",
                    "", ""), x));
        }
        ExampleFactory f = new ExampleFactory(clips, 0.0, 0, 0);
        Random rng = new Random(11);
        int unchanged = 0;
        int changed = 0;
        for (int n = 0; n < 200; n++) {
            ExampleFactory.Example e = f.trainingExample(rng);
            float events = 0;
            for (float l : e.labels()) {
                events += l;
            }
            if (events != 1) {
                continue; // a second event, at its own speed: two tones
            }
            float[] w = e.waveform();
            int crossings = 0;
            int first = -1;
            int last = -1;
            float peak = Augment.peak(w);
            boolean below = false;
            for (int i = 0; i < w.length; i++) {
                // Upward crossings with hysteresis, so that numerical noise in the silence does not count.
                if (w[i] < -0.05f * peak) {
                    below = true;
                } else if (below && w[i] > 0.05f * peak) {
                    below = false;
                    crossings++;
                    first = first < 0 ? i : first;
                    last = i;
                }
            }
            assertTrue(crossings > 10, "no tone in example " + n);
            double hz = (crossings - 1) * (double) FS / (last - first);
            assertTrue(hz > 1000 / 1.45 && hz < 1000 * 1.45, "tone at " + hz + " Hz");
            if (Math.abs(hz - 1000) < 10) {
                unchanged++;
            } else if (Math.abs(hz - 1000) > 30) {
                changed++;
            }
        }
        assertTrue(unchanged > 60 && changed > 60, "unchanged " + unchanged + ", changed " + changed);
    }

    @Test
    void refusesADatasetWithoutAClass() {
        List<LoadedClip> noGlass = clips().stream().filter(c -> !c.entry().label().equals("glass_break")).toList();
        assertThrows(IllegalArgumentException.class, () -> new ExampleFactory(noGlass, 0.4, -6, 12));
    }
}
