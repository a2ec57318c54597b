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
    void refusesADatasetWithoutAClass() {
        List<LoadedClip> noGlass = clips().stream().filter(c -> !c.entry().label().equals("glass_break")).toList();
        assertThrows(IllegalArgumentException.class, () -> new ExampleFactory(noGlass, 0.4, -6, 12));
    }
}
