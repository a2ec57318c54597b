package org.earshot.train;

import org.earshot.train.eval.Event;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamGeneratorTest {
    private static final int FS = 16_000;

    private static LoadedClip clip(String label, String group, float[] x) {
        return LoadedClip.of(new ClipEntry(Path.of(group + ".wav"), group + ".wav", label, "train", group, "", "", ""), x);
    }

    private static float[] noise(int n, double rms, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rms * r.nextGaussian());
        }
        return x;
    }

    /** A 0.3 s tone burst in the middle of 1 s of near-silence: its active part is the burst. */
    private static float[] burst() {
        float[] x = new float[FS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (1e-5 * Math.sin(i));
        }
        for (int i = 0; i < 3 * FS / 10; i++) {
            x[FS / 2 + i] = (float) (0.5 * Math.sin(2 * Math.PI * 1000 * i / FS));
        }
        return x;
    }

    private static List<LoadedClip> clips() {
        List<LoadedClip> clips = new ArrayList<>();
        for (int g = 0; g < 6; g++) {
            clips.add(clip("background", "bg" + g, noise(2 * FS, 0.01 * (g + 1), g)));
        }
        clips.add(clip("impact", "i1", burst()));
        clips.add(clip("shout", "s1", burst()));
        return clips;
    }

    @Test
    void eventsLandAtTheirReferenceTimesAtTheRequestedRatio() {
        for (double ratio : new double[] {-6, 0, 6}) {
            StreamGenerator.Stream s = StreamGenerator.generate(clips(), ratio, 4.0, 3);
            assertEquals(2, s.events().size());
            for (Event e : s.events()) {
                assertEquals(0.3, e.offset() - e.onset(), 0.02, "the reference is the active part: " + e);
                int from = (int) Math.round(e.onset() * FS);
                int to = (int) Math.round(e.offset() * FS);
                // Level of the mixture in the event = event + background (uncorrelated): check the event's share.
                double mix = Augment.rms(s.samples(), from, to);
                double bgAfter = Augment.rms(s.samples(), to + FS / 10, to + FS / 2);
                double eventRms = Math.sqrt(Math.max(0, mix * mix - bgAfter * bgAfter));
                double measured = 20 * Math.log10(eventRms / bgAfter);
                assertEquals(ratio, measured, 1.5, "event-to-background ratio at " + e);
            }
        }
    }

    @Test
    void seededAndBackgroundOnlyCoversEveryClip() {
        StreamGenerator.Stream a = StreamGenerator.generate(clips(), 0, 4.0, 9);
        StreamGenerator.Stream b = StreamGenerator.generate(clips(), 0, 4.0, 9);
        assertArrayEquals(a.samples(), b.samples());
        StreamGenerator.Stream bg = StreamGenerator.backgroundOnly(clips(), 1);
        assertEquals(12 * FS, bg.samples().length);
        assertTrue(bg.events().isEmpty());
        // Each recording is brought to the same level, so no splice is a 20 dB jump.
        double first = Augment.rms(bg.samples(), FS / 2, FS + FS / 2);
        for (int g = 1; g < 6; g++) {
            double level = Augment.rms(bg.samples(), g * 2 * FS + FS / 2, g * 2 * FS + FS + FS / 2);
            assertEquals(0, 20 * Math.log10(level / first), 1.0);
        }
    }

    @Test
    void backgroundLevelCanBeChosenAndEventsKeepTheirRatio() {
        StreamGenerator.Stream bg = StreamGenerator.backgroundOnly(clips(), 1, -50);
        assertEquals(-50, 20 * Math.log10(Augment.rms(bg.samples(), 0, bg.samples().length)), 0.5);
        StreamGenerator.Stream quiet = StreamGenerator.generate(clips(), 6, 4.0, 3, -50);
        StreamGenerator.Stream usual = StreamGenerator.generate(clips(), 6, 4.0, 3);
        assertEquals(usual.events(), quiet.events());
        // The same stream 20 dB down (-30 to -50 dBFS), events included.
        Event e = quiet.events().get(0);
        int from = (int) Math.round(e.onset() * FS);
        int to = (int) Math.round(e.offset() * FS);
        assertEquals(-20, 20 * Math.log10(Augment.rms(quiet.samples(), from, to)
                / Augment.rms(usual.samples(), from, to)), 0.1);
    }

    @Test
    void recallIsReportedBySourceAndLabelWithoutPerClipRemarks() {
        assertEquals("emogator/Fear vocal burst", StreamGenerator.sourceKey(new ClipEntry(java.nio.file.Path.of("a.flac"),
                "a.flac", "shout", "train", "g", "emogator", "Fear vocal burst (heuristic: voiced>=0.5s loud, F0med=485Hz)",
                "Apache-2.0")));
        assertEquals("us8k_partial/gun_shot", StreamGenerator.sourceKey(new ClipEntry(java.nio.file.Path.of("b.wav"),
                "b.wav", "impact", "train", "g", "us8k_partial", "gun_shot", "CC BY-NC 3.0")));
    }
}
