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
 * examples mix an event into real background at a random event-to-background ratio, with random time shift, speed
 * (pitch and duration together), EQ, reverberation and level. Classes are equally likely; within a class, a group (recording) is drawn with weight
 * {@code sqrt(clips in the group)} (halved for designed game sounds), so a recording cut into a hundred clips
 * weighs ten single clips, not a hundred and not one. Background is drawn by duration, each group counting at most
 * {@link #MAX_BACKGROUND_GROUP_SECONDS}: drawing it by group would give a one-second spoken word the weight of a
 * 30-second recording of a cafe, and make isolated words nearly half of all background.
 */
public final class ExampleFactory {
    /** Samples that give exactly {@link FrontEndSpec#PATCH_FRAMES} log-mel frames. */
    public static final int SEGMENT = FrontEndSpec.WINDOW_LENGTH + (FrontEndSpec.PATCH_FRAMES - 1) * FrontEndSpec.HOP_LENGTH;
    private static final int FS = FrontEndSpec.SAMPLE_RATE;
    private static final int MIN_CROSSFADE = FS / 50;
    private static final int MAX_CROSSFADE = FS / 4;

    /** A waveform segment of {@link #SEGMENT} samples and its label (one entry per class). */
    /** An example: its waveform, its labels and the sources of every clip mixed into it. */
    public record Example(float[] waveform, float[] labels, java.util.Set<String> sources) {}

    /** Share of training events played faster or slower, by a factor up to this either way (+-6 semitones). */
    static final double SPEED_PROBABILITY = 0.5;
    static final double MAX_SPEED_FACTOR = 1.4;

    /** The most seconds of one background group that count towards its weight. */
    public static final double MAX_BACKGROUND_GROUP_SECONDS = 60.0;

    private final List<List<LoadedClip>> backgroundGroups;
    private final double[] backgroundGroupWeights;
    /** Per background group, each clip's length in samples: clips are drawn by duration within their group. */
    private final double[][] backgroundClipWeights;
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
        this.backgroundGroupWeights = new double[backgroundGroups.size()];
        for (int i = 0; i < backgroundGroupWeights.length; i++) {
            double seconds = 0;
            for (LoadedClip c : backgroundGroups.get(i)) {
                seconds += c.seconds();
            }
            backgroundGroupWeights[i] = Math.min(MAX_BACKGROUND_GROUP_SECONDS, seconds);
        }
        this.backgroundClipWeights = backgroundGroups.stream()
                .map(g -> g.stream().mapToDouble(c -> c.samples().length).toArray()).toArray(double[][]::new);
        for (String label : Labels.CLASSES) {
            List<List<LoadedClip>> g = groups(clips, label);
            if (g.isEmpty()) {
                throw new IllegalArgumentException("no clips of class " + label);
            }
            // Designed game effects are not field recordings: they help, but weigh half a real recording.
            double[] w = new double[g.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.sqrt(g.get(i).size()) * (g.get(i).get(0).entry().isAugmentOnly() ? 0.5 : 1.0);
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
        java.util.Set<String> sources = new java.util.TreeSet<>();
        float[] mix = equalisedBackground(rng, sources);
        if (rng.nextDouble() >= backgroundShare) {
            int cls = rng.nextInt(labels.length);
            addEvent(mix, cls, rng, labels, true, sources);
            if (rng.nextDouble() < 0.05) {
                addEvent(mix, (cls + 1 + rng.nextInt(labels.length - 1)) % labels.length, rng, labels, true,
                        sources);
            }
        }
        scaleToRandomPeak(mix, rng);
        return new Example(mix, labels, sources);
    }

    /** A background example as {@link #trainingExample} makes one, without an event. */
    public float[] backgroundExample(Random rng) {
        float[] mix = equalisedBackground(rng, new java.util.HashSet<>());
        scaleToRandomPeak(mix, rng);
        return mix;
    }

    /** A background segment, with random EQ in 30 % of them. */
    private float[] equalisedBackground(Random rng, java.util.Set<String> sources) {
        float[] mix = backgroundSegment(rng, SEGMENT, sources);
        return rng.nextDouble() < 0.3 ? Augment.randomEq(mix, rng, FS) : mix;
    }

    /** Scales the example to a random peak level from -40 to -1 dBFS (silence stays silent). */
    private static void scaleToRandomPeak(float[] mix, Random rng) {
        float peak = Augment.peak(mix);
        if (peak > 0) {
            double targetDb = -40 + rng.nextDouble() * 39;
            Augment.scale(mix, Math.pow(10, targetDb / 20) / peak);
        }
    }

    private void addEvent(float[] mix, int cls, Random rng, float[] labels, boolean augment,
            java.util.Set<String> sources) {
        LoadedClip clip = pick(eventGroups.get(cls), eventGroupWeights.get(cls), rng);
        sources.add(clip.entry().source());
        double ratio = minRatioDb + rng.nextDouble() * (maxRatioDb - minRatioDb);
        double speed = augment && rng.nextDouble() < SPEED_PROBABILITY
                ? Math.exp((2 * rng.nextDouble() - 1) * Math.log(MAX_SPEED_FACTOR)) : 1.0;
        float[] event = placeEvent(clip, rng, speed);
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
        return placeEvent(clip, rng, 1.0);
    }

    /**
     * As {@link #placeEvent(LoadedClip, Random)}, played {@code speed} times as fast around that block (linear
     * interpolation): pitch and duration change together, as for a smaller or larger object, or a higher or lower
     * voice.
     */
    private static float[] placeEvent(LoadedClip clip, Random rng, double speed) {
        int[] blocks = clip.activeBlocks();
        int anchor = blocks[rng.nextInt(blocks.length)] * LoadedClip.BLOCK_SAMPLES;
        int at = (int) (SEGMENT * (0.15 + 0.7 * rng.nextDouble()));
        float[] src = clip.samples();
        float[] out = new float[SEGMENT];
        for (int i = 0; i < SEGMENT; i++) {
            double pos = anchor + (i - at) * speed;
            int k = (int) Math.floor(pos);
            if (k >= 0 && k + 1 < src.length) {
                double frac = pos - k;
                out[i] = (float) (src[k] * (1 - frac) + src[k + 1] * frac);
            } else if (k == src.length - 1) {
                out[i] = src[k];
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
        return backgroundSegment(rng, length, new java.util.HashSet<>());
    }

    /** As {@link #backgroundSegment(Random, int)}, adding the sources of the clips it joins to {@code sources}. */
    private float[] backgroundSegment(Random rng, int length, java.util.Set<String> sources) {
        float[] out = new float[length];
        int filled = 0;
        boolean forceJoin = rng.nextDouble() < 0.35;
        double previousRms = 0;
        while (filled < length) {
            int group = pickWeighted(backgroundGroupWeights, rng);
            LoadedClip clip = backgroundGroups.get(group).get(pickWeighted(backgroundClipWeights[group], rng));
            sources.add(clip.entry().source());
            float[] s = clip.samples();
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
        List<LoadedClip> clips = groups.get(pickWeighted(weights, rng));
        return clips.get(rng.nextInt(clips.size()));
    }

    /** An index drawn with probability proportional to its weight. */
    private static int pickWeighted(double[] weights, Random rng) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double r = rng.nextDouble() * total;
        int g = 0;
        while (g < weights.length - 1 && (r -= weights[g]) > 0) {
            g++;
        }
        return g;
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
                        java.util.Set<String> sources = new java.util.TreeSet<>(List.of(clip.entry().source()));
                        float[] mix = backgroundSegment(rng, SEGMENT, sources);
                        float[] event = placeEvent(clip, rng);
                        mixAt(mix, event, clip.activeRms(), 0.0);
                        labels[cls] = 1f;
                        out.add(new Example(mix, labels, sources));
                    }
                }
            }
        }
        for (List<LoadedClip> group : backgroundGroups) {
            for (LoadedClip clip : group) {
                float[] seg = new float[SEGMENT];
                System.arraycopy(clip.samples(), 0, seg, 0, Math.min(SEGMENT, clip.samples().length));
                out.add(new Example(seg, new float[Labels.CLASSES.size()], java.util.Set.of(clip.entry().source())));
            }
        }
        return out;
    }
}
