package org.earshot.train;

import org.earshot.dsp.FrontEndSpec;
import org.earshot.train.eval.Event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Builds evaluation streams: validation background clips joined with short cross-fades into one long recording, with
 * validation events mixed in at a fixed event-to-background ratio (event active RMS over the RMS of the background
 * it lands on), spaced apart, and the ground truth (class, onset, offset of each event's active part). Events longer
 * than {@link #MAX_EVENT_SECONDS} are cut to their first active stretch so that one reference is one event.
 */
public final class StreamGenerator {
    public static final double MAX_EVENT_SECONDS = 3.0;
    private static final int FS = FrontEndSpec.SAMPLE_RATE;
    private static final int FADE = FS / 50;
    private static final int GROUP_FADE = FS / 4;
    /** Level every background recording is brought to in the streams. */
    public static final double BACKGROUND_RMS_DBFS = -30.0;

    /**
     * A generated stream, its reference events and, for each, where it came from ({@code source/original_label} of
     * its manifest row; empty when unknown).
     */
    public record Stream(float[] samples, List<Event> events, List<String> sources) {
        public Stream {
            if (sources.size() != events.size()) {
                throw new IllegalArgumentException("one source per event: " + sources.size() + " for "
                        + events.size());
            }
        }

        public Stream(float[] samples, List<Event> events) {
            this(samples, events, java.util.Collections.nCopies(events.size(), ""));
        }

        public double seconds() {
            return samples.length / (double) FS;
        }
    }

    private StreamGenerator() {}

    /**
     * @param gapSeconds mean spacing between the end of one event and the start of the next (uniform 0.5x-1.5x)
     */
    public static Stream generate(List<LoadedClip> clips, double ratioDb, double gapSeconds, long seed) {
        return generate(clips, ratioDb, gapSeconds, seed, BACKGROUND_RMS_DBFS);
    }

    /**
     * As {@link #generate(List, double, double, long)} with the background recordings brought to {@code
     * backgroundDbfs} instead of {@link #BACKGROUND_RMS_DBFS} (events keep their ratio to it): a quiet site.
     */
    public static Stream generate(List<LoadedClip> clips, double ratioDb, double gapSeconds, long seed,
            double backgroundDbfs) {
        Random rng = new Random(seed);
        List<LoadedClip> events = new ArrayList<>();
        List<LoadedClip> backgrounds = new ArrayList<>();
        for (LoadedClip c : clips) {
            (c.entry().isEvent() ? events : backgrounds).add(c);
        }
        if (backgrounds.isEmpty()) {
            throw new IllegalArgumentException("no background clips for the stream");
        }
        Collections.shuffle(events, rng);
        int[] starts = new int[events.size()];
        int position = (int) (gapSeconds * FS);
        for (int i = 0; i < events.size(); i++) {
            starts[i] = position;
            position += eventLength(events.get(i)) + (int) (gapSeconds * FS * (0.5 + rng.nextDouble()));
        }
        float[] out = background(backgrounds, position, rng, backgroundDbfs);
        List<Event> truth = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            LoadedClip e = events.get(i);
            int length = eventLength(e);
            float[] piece = new float[length];
            System.arraycopy(e.samples(), e.activeStart(), piece, 0, length);
            fade(piece);
            double bg = Augment.rms(out, starts[i], starts[i] + length);
            double gain = bg > 1e-6 && e.activeRms() > 0 ? bg * Math.pow(10, ratioDb / 20) / e.activeRms() : 1;
            for (int k = 0; k < length; k++) {
                out[starts[i] + k] += (float) (piece[k] * gain);
            }
            int activeEnd = Math.min(e.activeEnd() - e.activeStart(), length);
            truth.add(new Event(e.entry().label(), starts[i] / (double) FS,
                    (starts[i] + activeEnd) / (double) FS));
            sources.add(sourceKey(e.entry()));
        }
        float peak = Augment.peak(out);
        if (peak > 0.99f) {
            Augment.scale(out, 0.99 / peak);
        }
        return new Stream(out, truth, sources);
    }

    /** Background only: every background clip once, in random order. */
    public static Stream backgroundOnly(List<LoadedClip> clips, long seed) {
        return backgroundOnly(clips, seed, BACKGROUND_RMS_DBFS);
    }

    /** Background only, brought to {@code backgroundDbfs}. */
    public static Stream backgroundOnly(List<LoadedClip> clips, long seed, double backgroundDbfs) {
        List<LoadedClip> backgrounds = clips.stream().filter(c -> !c.entry().isEvent()).toList();
        long total = backgrounds.stream().mapToLong(c -> c.samples().length).sum();
        return new Stream(background(backgrounds, (int) total, new Random(seed), backgroundDbfs), List.of());
    }

    private static int eventLength(LoadedClip e) {
        return Math.min(e.activeEnd() - e.activeStart(), (int) (MAX_EVENT_SECONDS * FS));
    }

    private static void fade(float[] x) {
        int n = Math.min(FADE / 4, x.length / 2);
        for (int i = 0; i < n; i++) {
            float w = (i + 0.5f) / n;
            x[i] *= w;
            x[x.length - 1 - i] *= w;
        }
    }

    /**
     * Background as continuous as the data allows: groups (recordings) in shuffled order, each group's clips in
     * manifest order (train-v1 cuts long recordings into consecutive windows), each group brought to
     * {@code backgroundDbfs} (at most +-30 dB), 20 ms cross-fades inside a group and 250 ms between groups.
     * Joining unrelated one-second clips with abrupt level jumps every second would measure the splices, not the
     * detector.
     */
    private static float[] background(List<LoadedClip> backgrounds, int length, Random rng, double backgroundDbfs) {
        java.util.Map<String, List<LoadedClip>> byGroup = new java.util.TreeMap<>();
        for (LoadedClip c : backgrounds) {
            byGroup.computeIfAbsent(c.entry().group(), k -> new ArrayList<>()).add(c);
        }
        List<List<LoadedClip>> groups = new ArrayList<>(byGroup.values());
        Collections.shuffle(groups, rng);
        float[] out = new float[length];
        int filled = 0;
        int next = 0;
        double target = Math.pow(10, backgroundDbfs / 20);
        while (filled < length) {
            List<LoadedClip> group = groups.get(next++ % groups.size());
            double sum = 0;
            long count = 0;
            for (LoadedClip c : group) {
                sum += Math.pow(Augment.rms(c.samples(), 0, c.samples().length), 2) * c.samples().length;
                count += c.samples().length;
            }
            double rms = Math.sqrt(sum / Math.max(1, count));
            double gain = rms > 1e-9 ? Math.max(1 / 31.6, Math.min(31.6, target / rms)) : 1;
            for (int k = 0; k < group.size() && filled < length; k++) {
                float[] s = group.get(k).samples();
                int maxFade = k == 0 ? GROUP_FADE : FADE;
                int fade = filled == 0 ? 0 : Math.min(maxFade, Math.min(s.length / 2, filled));
                int n = Math.min(s.length, length - (filled - fade));
                filled = Augment.crossfadeInto(out, filled - fade, s, 0, n, fade, gain);
            }
        }
        return out;
    }

    /**
     * What a reference event's recall is reported by: its source and original label, without a parenthesised remark
     * (train-v2 notes per clip how a label was chosen, which would give every clip a line of its own).
     */
    static String sourceKey(ClipEntry entry) {
        return entry.source() + "/" + entry.originalLabel().replaceAll("\\s*\\(.*\\)\\s*$", "");
    }
}
