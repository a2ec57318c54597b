package org.earshot.train;

import org.earshot.detect.Labels;
import org.earshot.dsp.FrontEndSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Makes classifier examples (one 0.96 s waveform segment and its multi-hot label) from loaded clips. Training
 * examples mix an event into real background at a random event-to-background ratio, with random time shift, EQ,
 * reverberation and level; classes are balanced by group, so a recording cut into dozens of clips counts once.
 */
public final class ExampleFactory {
    /** Samples that give exactly {@link FrontEndSpec#PATCH_FRAMES} log-mel frames. */
    public static final int SEGMENT = FrontEndSpec.WINDOW_LENGTH + (FrontEndSpec.PATCH_FRAMES - 1) * FrontEndSpec.HOP_LENGTH;
    private static final int FS = FrontEndSpec.SAMPLE_RATE;
    private static final int MIN_CROSSFADE = FS / 50;
    private static final int MAX_CROSSFADE = FS / 4;

    /** A waveform segment of {@link #SEGMENT} samples and its label (one entry per class). */
    public record Example(float[] waveform, float[] labels) {}

    private final List<List<LoadedClip>> backgroundGroups;
    private final List<List<List<LoadedClip>>> eventGroups = new ArrayList<>();
    private final List<double[]> eventGroupWeights = new ArrayList<>();
    private final double backgroundShare;
    private final double minRatioDb;
    private final double maxRatioDb;

    /**
     * @param backgroundShare fraction of examples with no event
     * @param minRatioDb lowest event-to-background ratio drawn for training mixes
     * @param maxRatioDb highest ratio drawn
     */
    public ExampleFactory(List<LoadedClip> clips, double backgroundShare, double minRatioDb, double maxRatioDb) {
        this.backgroundShare = backgroundShare;
        this.minRatioDb = minRatioDb;
        this.maxRatioDb = maxRatioDb;
        this.backgroundGroups = groups(clips, Labels.BACKGROUND);
        if (backgroundGroups.isEmpty()) {
            throw new IllegalArgumentException("no background clips to mix events into");
        }
        for (String label : Labels.CLASSES) {
            List<List<LoadedClip>> g = groups(clips, label);
            if (g.isEmpty()) {
                throw new IllegalArgumentException("no clips of class " + label);
            }
            // Designed game effects are not field recordings: they help, but weigh half a real recording.
            double[] w = new double[g.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = g.get(i).get(0).entry().isAugmentOnly() ? 0.5 : 1.0;
            }
            eventGroups.add(g);
            eventGroupWeights.add(w);
        }
    }

    private static List<List<LoadedClip>> groups(List<LoadedClip> clips, String label) {
        Map<String, List<LoadedClip>> byGroup = new LinkedHashMap<>();
        for (LoadedClip c : clips) {
            if (c.entry().label().equals(label)) {
                byGroup.computeIfAbsent(c.entry().use() + "/" + c.entry().group(), k -> new ArrayList<>()).add(c);
            }
        }
        return new ArrayList<>(byGroup.values());
    }

    /** One randomly augmented training example. */
    public Example trainingExample(Random rng) {
        float[] labels = new float[Labels.CLASSES.size()];
        float[] mix = backgroundSegment(rng, SEGMENT);
        if (rng.nextDouble() < 0.3) {
            mix = Augment.randomEq(mix, rng, FS);
        }
        if (rng.nextDouble() >= backgroundShare) {
            int cls = rng.nextInt(labels.length);
            addEvent(mix, cls, rng, labels, true);
            if (rng.nextDouble() < 0.05) {
                addEvent(mix, (cls + 1 + rng.nextInt(labels.length - 1)) % labels.length, rng, labels, true);
            }
        }
        float peak = Augment.peak(mix);
        if (peak > 0) {
            double targetDb = -40 + rng.nextDouble() * 39;
            Augment.scale(mix, Math.pow(10, targetDb / 20) / peak);
        }
        return new Example(mix, labels);
    }

    private void addEvent(float[] mix, int cls, Random rng, float[] labels, boolean augment) {
        LoadedClip clip = pick(eventGroups.get(cls), eventGroupWeights.get(cls), rng);
        double ratio = minRatioDb + rng.nextDouble() * (maxRatioDb - minRatioDb);
        float[] event = placeEvent(clip, rng);
        if (augment && rng.nextBoolean()) {
            event = Augment.randomEq(event, rng, FS);
        }
        if (augment && rng.nextDouble() < 0.3) {
            event = Augment.randomReverb(event, rng, FS);
        }
        mixAt(mix, event, clip.activeRms(), ratio);
        labels[cls] = 1f;
    }

    /**
     * Mixes an event into a background so that the event's active RMS is {@code ratioDb} above the background's RMS.
     * A silent background takes the event unscaled.
     */
    public static void mixAt(float[] background, float[] event, double eventActiveRms, double ratioDb) {
        double bgRms = Augment.rms(background, 0, background.length);
        double gain = 1.0;
        if (bgRms > 1e-6 && eventActiveRms > 0) {
            gain = bgRms * Math.pow(10, ratioDb / 20) / eventActiveRms;
        }
        for (int i = 0; i < background.length; i++) {
            background[i] += (float) (event[i] * gain);
        }
    }

    /** The clip shifted so that a random active 10 ms block lands between 15 % and 85 % of the segment. */
    private static float[] placeEvent(LoadedClip clip, Random rng) {
        int[] blocks = clip.activeBlocks();
        int anchor = blocks[rng.nextInt(blocks.length)] * LoadedClip.BLOCK_SAMPLES;
        int at = (int) (SEGMENT * (0.15 + 0.7 * rng.nextDouble()));
        float[] out = new float[SEGMENT];
        int shift = anchor - at;
        for (int i = 0; i < SEGMENT; i++) {
            int src = i + shift;
            if (src >= 0 && src < clip.samples().length) {
                out[i] = clip.samples()[src];
            }
        }
        return out;
    }

    /**
     * A random stretch of background. When a clip is too short, and deliberately in about a third of segments, clips
     * are joined with a random cross-fade (20-250 ms) at a level close to the previous one, so that the network learns
     * that a change of background is not an event.
     */
    public float[] backgroundSegment(Random rng, int length) {
        float[] out = new float[length];
        int filled = 0;
        boolean forceJoin = rng.nextDouble() < 0.35;
        double previousRms = 0;
        while (filled < length) {
            float[] s = pick(backgroundGroups, null, rng).samples();
            int need = length - filled;
            if (filled == 0 && forceJoin) {
                need = (int) (length * (0.2 + 0.6 * rng.nextDouble()));
            }
            // The fade never exceeds half a clip, so every pass writes at least one new sample.
            int fade = filled == 0 ? 0 : Math.min(MIN_CROSSFADE + rng.nextInt(MAX_CROSSFADE - MIN_CROSSFADE),
                    Math.min(s.length / 2, filled));
            int start = s.length > need + fade ? rng.nextInt(s.length - need - fade + 1) : 0;
            int n = Math.min(s.length - start, need + fade);
            double rms = Augment.rms(s, start, start + n);
            double gain = 1;
            if (filled > 0 && rms > 1e-6 && previousRms > 1e-6) {
                double db = 20 * Math.log10(previousRms / rms) - 6 + 12 * rng.nextDouble();
                gain = Math.pow(10, Math.max(-30, Math.min(30, db)) / 20);
            }
            filled = Augment.crossfadeInto(out, filled - fade, s, start, n, fade, gain);
            previousRms = rms * gain;
        }
        return out;
    }

    private static LoadedClip pick(List<List<LoadedClip>> groups, double[] weights, Random rng) {
        int g;
        if (weights == null) {
            g = rng.nextInt(groups.size());
        } else {
            double total = 0;
            for (double w : weights) {
                total += w;
            }
            double r = rng.nextDouble() * total;
            g = 0;
            while (g < weights.length - 1 && (r -= weights[g]) > 0) {
                g++;
            }
        }
        List<LoadedClip> clips = groups.get(g);
        return clips.get(rng.nextInt(clips.size()));
    }

    /**
     * A fixed validation set: each event clip mixed twice at 0 dB into validation background (no EQ or reverb), and
     * one segment of each background clip.
     */
    public List<Example> validationExamples(long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int cls = 0; cls < Labels.CLASSES.size(); cls++) {
            for (List<LoadedClip> group : eventGroups.get(cls)) {
                for (LoadedClip clip : group) {
                    for (int k = 0; k < 2; k++) {
                        float[] labels = new float[Labels.CLASSES.size()];
                        float[] mix = backgroundSegment(rng, SEGMENT);
                        float[] event = placeEvent(clip, rng);
                        mixAt(mix, event, clip.activeRms(), 0.0);
                        labels[cls] = 1f;
                        out.add(new Example(mix, labels));
                    }
                }
            }
        }
        for (List<LoadedClip> group : backgroundGroups) {
            for (LoadedClip clip : group) {
                float[] seg = new float[SEGMENT];
                System.arraycopy(clip.samples(), 0, seg, 0, Math.min(SEGMENT, clip.samples().length));
                out.add(new Example(seg, new float[Labels.CLASSES.size()]));
            }
        }
        return out;
    }
}
