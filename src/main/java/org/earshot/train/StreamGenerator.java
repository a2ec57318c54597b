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

    /** A generated stream and its reference events. */
    public record Stream(float[] samples, List<Event> events) {
        public double seconds() {
            return samples.length / (double) FS;
        }
    }

    private StreamGenerator() {}

    /**
     * @param gapSeconds mean spacing between the end of one event and the start of the next (uniform 0.5x-1.5x)
     */
    public static Stream generate(List<LoadedClip> clips, double ratioDb, double gapSeconds, long seed) {
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
        float[] out = background(backgrounds, position, rng);
        List<Event> truth = new ArrayList<>();
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
        }
        float peak = Augment.peak(out);
        if (peak > 0.99f) {
            Augment.scale(out, 0.99 / peak);
        }
        return new Stream(out, truth);
    }

    /** Background only: every background clip once, in random order. */
    public static Stream backgroundOnly(List<LoadedClip> clips, long seed) {
        List<LoadedClip> backgrounds = clips.stream().filter(c -> !c.entry().isEvent()).toList();
        long total = backgrounds.stream().mapToLong(c -> c.samples().length).sum();
        return new Stream(background(backgrounds, (int) total, new Random(seed)), List.of());
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

    /** Background clips in shuffled order, cycled as needed, joined with cross-fades. */
    private static float[] background(List<LoadedClip> backgrounds, int length, Random rng) {
        List<LoadedClip> order = new ArrayList<>(backgrounds);
        Collections.shuffle(order, rng);
        float[] out = new float[length];
        int filled = 0;
        int next = 0;
        while (filled < length) {
            float[] s = order.get(next++ % order.size()).samples();
            int fade = filled == 0 ? 0 : Math.min(FADE, Math.min(s.length / 2, filled));
            int writeAt = filled - fade;
            int n = Math.min(s.length, length - writeAt);
            for (int i = 0; i < n; i++) {
                if (i < fade) {
                    float w = (i + 0.5f) / fade;
                    out[writeAt + i] = out[writeAt + i] * (1 - w) + s[i] * w;
                } else {
                    out[writeAt + i] = s[i];
                }
            }
            filled = writeAt + n;
        }
        return out;
    }
}
