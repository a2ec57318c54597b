package org.earshot.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.earshot.audio.AudioClip;
import org.earshot.audio.AudioLoader;
import org.earshot.audio.WavWriter;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.GroundTruth;

/**
 * Builds the demo recording {@code demo/demo.wav} and its ground truth {@code demo/demo.csv} from train-v1, using
 * only material whose licence allows redistribution (see {@code demo/ATTRIBUTION.md}): a street-traffic bed (DEMAND
 * via MS-SNSD, CC BY-SA 3.0), spoken words that a detector must ignore (Speech Commands, CC BY 4.0), screams from
 * the Scorched 3D "Apocalypse" mod and impacts from Teeworlds (both CC BY-SA 3.0). There is no redistributable
 * glass-break material, so the demo holds shouts and impacts only. The output is fully deterministic: fixed files,
 * fixed times, fixed levels, no randomness. Every file is looked up in {@code manifest.csv} by path and its
 * {@code source} and {@code license} columns are checked, so a changed manifest stops the build instead of silently
 * mixing in other material. Event levels are set by the RMS of each event's active part (its {@link LoadedClip}
 * active span: 10 ms blocks within {@value LoadedClip#ACTIVE_RANGE_DB} dB of its loudest block) relative to the bed
 * under it; the ground truth gives the same active parts in seconds. The build fails rather than clip if the mix
 * peaks above {@value #MAX_PEAK_DBFS} dBFS.
 */
public final class DemoBuilder {
    static final int SAMPLE_RATE = 16_000;
    static final double DURATION_SECONDS = 23.0;
    /** Bed level: each 1 s traffic window is normalised to this RMS, a busy street some metres away. */
    static final double BED_RMS_DBFS = -28.0;
    static final double BED_CROSSFADE_SECONDS = 0.1;
    static final double FILE_FADE_SECONDS = 0.05;
    /** Fades at the cut edges of each placed clip, against clicks. */
    static final double CLIP_FADE_SECONDS = 0.005;
    static final double MAX_PEAK_DBFS = -1.0;

    static final String DEBIAN_LICENSE_COLUMN = "see COPYRIGHT.debian (GPL/CC-BY-SA/CC0 mix)";
    static final String EI_GLASS_LICENSE_COLUMN =
            "not stated in repo; background built from Speech Commands (CC BY 4.0) + MS-SNSD noise (MIT)";
    /** Manifest group of the 1 s windows of MS-SNSD {@code Traffic_1.wav} (DEMAND STRAFFIC). */
    static final String BED_GROUP = "eiZ:Traffic_1";

    private static final String SCORCHED_APOC = "CC-BY-SA-3.0 (scorched3d-data: data/globalmods/apoc/*, "
            + "Apocalypse mod team)";
    private static final String TEEWORLDS = "CC-BY-SA-3.0 (teeworlds-data: datasrc/*, data/*, Magnus Auvinen "
            + "and contributors)";
    private static final String SPEECH_COMMANDS = "CC-BY-4.0 (Google Speech Commands)";
    private static final String DEMAND = "CC-BY-SA-3.0 (DEMAND STRAFFIC via MS-SNSD Traffic_1.wav)";

    /** What a cue is: ground-truth events are shouts and impacts; speech is background a detector must ignore. */
    enum Kind {
        SHOUT("shout"), IMPACT("impact"), SPEECH(null);

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One clip placed so that its active part starts at {@code onsetSeconds}, {@code overBedDb} above the bed. */
    record Cue(Kind kind, String path, String source, String licence, double onsetSeconds, double overBedDb) {}

    /** Spoken words sit at the level of normal speech nearby, well under the events. */
    static final double WORD_OVER_BED_DB = 5.0;

    static final List<Cue> CUES = List.of(
            word("background/ei_glass_zalmotek__Z_Background.unknown.ab9b93e4_nohash_2.wav"
                    + ".39u967eg.ingestio_16358aa1.wav", 1.6),
            scream("augment/shout/debian-scorched3d-data__scream1_50b8b85c.wav", 4.0, 12.0),
            teeworldsImpact("augment/impact/debian-teeworlds-data__wp_shotty_fire-01_58848ea8.wav", 9.0, 12.0),
            word("background/ei_glass_zalmotek__Z_Background.unknown.578d3efb_nohash_0.wav"
                    + ".39u96126.ingestio_e01ff8c3.wav", 11.4),
            word("background/ei_glass_zalmotek__Z_Background.unknown.578d3efb_nohash_2.wav"
                    + ".39u96137.ingestio_e90d18d1.wav", 12.2),
            teeworldsImpact("augment/impact/debian-teeworlds-data__wp_hammer_hit-01_18369829.wav", 14.6, 12.0),
            scream("augment/shout/debian-scorched3d-data__scream4_162f97c9.wav", 17.6, 10.0),
            word("background/ei_glass_zalmotek__Z_Background.unknown.ab9b93e4_nohash_3.wav"
                    + ".39u967f1.ingestio_75cabcf1.wav", 20.6));

    /** A Speech Commands word from the Edge Impulse glass-break example's background class. */
    private static Cue word(String path, double onsetSeconds) {
        return new Cue(Kind.SPEECH, path, "ei_glass_zalmotek", SPEECH_COMMANDS, onsetSeconds, WORD_OVER_BED_DB);
    }

    /** A scream of the Scorched 3D "Apocalypse" mod (the only CC BY-SA part of scorched3d-data). */
    private static Cue scream(String path, double onsetSeconds, double overBedDb) {
        return new Cue(Kind.SHOUT, path, "debian:scorched3d-data", SCORCHED_APOC, onsetSeconds, overBedDb);
    }

    private static Cue teeworldsImpact(String path, double onsetSeconds, double overBedDb) {
        return new Cue(Kind.IMPACT, path, "debian:teeworlds-data", TEEWORLDS, onsetSeconds, overBedDb);
    }

    private DemoBuilder() {}

    /** {@code DemoBuilder DATASET_DIR OUTPUT_DIR}: writes OUTPUT_DIR/demo.wav and OUTPUT_DIR/demo.csv. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: DemoBuilder DATASET_DIR OUTPUT_DIR   (DATASET_DIR holds manifest.csv)");
            System.exit(2);
        }
        build(Path.of(args[0]), Path.of(args[1]), System.out);
    }

    /**
     * Builds {@code outDir/demo.wav} and {@code outDir/demo.csv} from the train-v1 folder {@code dataset}, reporting
     * the files used, their levels and the level of each second of the result to {@code log}.
     */
    public static void build(Path dataset, Path outDir, PrintStream log) throws IOException {
        Map<String, ClipEntry> manifest = byPath(DatasetManifest.read(dataset));
        int total = (int) Math.round(DURATION_SECONDS * SAMPLE_RATE);

        log.println("Bed: street traffic, " + DEMAND + ", each window normalised to "
                + BED_RMS_DBFS + " dBFS RMS, " + (int) (BED_CROSSFADE_SECONDS * 1000) + " ms equal-power crossfades");
        float[] bed = buildBed(manifest, total, log);

        float[] mix = bed.clone();
        List<Event> events = new ArrayList<>();
        log.println("Cues (onset/offset = active part in the demo; level = active-part RMS over the bed under it):");
        for (Cue cue : CUES) {
            ClipEntry entry = lookUp(manifest, cue.path(), cue.source(), cue.kind() == Kind.SPEECH
                    ? EI_GLASS_LICENSE_COLUMN : DEBIAN_LICENSE_COLUMN);
            if (cue.kind() == Kind.SPEECH && !entry.originalLabel().equals("speech_command_word")) {
                throw new IllegalStateException(cue.path() + " is not a Speech Commands word in the manifest");
            }
            LoadedClip clip = load(entry);
            if (clip.activeRms() == 0) {
                throw new IllegalStateException(cue.path() + " is digital silence");
            }
            float[] samples = clip.samples();
            double clipRms = Augment.rms(samples, clip.activeStart(), clip.activeEnd());
            int activeStart = (int) Math.round(cue.onsetSeconds() * SAMPLE_RATE);
            int activeEnd = activeStart + clip.activeEnd() - clip.activeStart();
            int position = activeStart - clip.activeStart();
            if (position < 0 || position + samples.length > total) {
                throw new IllegalStateException(cue.path() + " placed at " + cue.onsetSeconds()
                        + " s does not fit in the " + DURATION_SECONDS + " s demo");
            }
            double bedRms = Augment.rms(bed, activeStart, activeEnd);
            double gain = bedRms * Math.pow(10, cue.overBedDb() / 20) / clipRms;
            addFaded(mix, samples, position, gain);
            double onset = millis(activeStart);
            double offset = millis(activeEnd);
            if (cue.kind().label != null) {
                events.add(new Event(cue.kind().label, onset, offset));
            }
            log.printf(Locale.ROOT, "  %-6s %6.3f-%6.3f s  %+5.1f dB over bed (gain %+6.1f dB)  %s  [%s, %s]%n",
                    cue.kind().label == null ? "speech" : cue.kind().label, onset, offset,
                    dB(clipRms * gain / bedRms), dB(gain), entry.path(), entry.source(), cue.licence());
        }
        fadeEdges(mix, (int) Math.round(FILE_FADE_SECONDS * SAMPLE_RATE));

        double peak = peak(mix, 0, mix.length);
        if (dB(peak) > MAX_PEAK_DBFS) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "mix peaks at %.2f dBFS, above the %.1f dBFS limit; lower the cue levels", dB(peak), MAX_PEAK_DBFS));
        }
        logLevels(mix, bed, log);

        Files.createDirectories(outDir);
        Path wav = outDir.resolve("demo.wav");
        Path csv = outDir.resolve("demo.csv");
        WavWriter.write16(wav, mix, SAMPLE_RATE);
        GroundTruth.write(csv, events);
        log.printf(Locale.ROOT, "Wrote %s (%.1f s, %d Hz mono 16-bit, peak %.1f dBFS) and %s (%d events)%n", wav,
                DURATION_SECONDS, SAMPLE_RATE, dB(peak), csv, events.size());
    }

    /** Street bed from the traffic windows in path order, each normalised, joined with equal-power crossfades. */
    private static float[] buildBed(Map<String, ClipEntry> manifest, int total, PrintStream log) throws IOException {
        List<ClipEntry> windows = manifest.values().stream()
                .filter(e -> e.group().equals(BED_GROUP))
                .sorted(Comparator.comparing(ClipEntry::path))
                .toList();
        int crossfade = (int) Math.round(BED_CROSSFADE_SECONDS * SAMPLE_RATE);
        double target = Math.pow(10, BED_RMS_DBFS / 20);
        float[] bed = new float[total];
        int start = 0;
        int used = 0;
        for (ClipEntry entry : windows) {
            if (start >= total) {
                break;
            }
            lookUp(manifest, entry.path(), "ei_glass_zalmotek", EI_GLASS_LICENSE_COLUMN);
            float[] window = load(entry).samples();
            if (window.length <= 2 * crossfade) {
                throw new IllegalStateException(entry.path() + " is too short for the bed crossfades");
            }
            double gain = target / Augment.rms(window, 0, window.length);
            for (int i = 0; i < window.length && start + i < total; i++) {
                double w = 1.0;
                if (i < crossfade && start > 0) {
                    w = Math.sin(Math.PI / 2 * (i + 0.5) / crossfade);
                } else if (i >= window.length - crossfade) {
                    w = Math.cos(Math.PI / 2 * (i - (window.length - crossfade) + 0.5) / crossfade);
                }
                bed[start + i] += (float) (window[i] * gain * w);
            }
            log.printf(Locale.ROOT, "  bed %5.2f-%5.2f s  gain %+5.1f dB  %s%n", start / (double) SAMPLE_RATE,
                    Math.min(total, start + window.length) / (double) SAMPLE_RATE, dB(gain), entry.path());
            start += window.length - crossfade;
            used++;
        }
        if (start < total) {
            throw new IllegalStateException("only " + used + " windows in group " + BED_GROUP + ", too few for "
                    + DURATION_SECONDS + " s");
        }
        return bed;
    }

    /** The manifest's clips by their path as the manifest writes it; a path listed twice is ambiguous. */
    private static Map<String, ClipEntry> byPath(DatasetManifest manifest) throws IOException {
        Map<String, ClipEntry> clips = new HashMap<>();
        for (ClipEntry entry : manifest.clips()) {
            if (clips.put(entry.path(), entry) != null) {
                throw new IOException(manifest.root().resolve("manifest.csv") + ": duplicate path " + entry.path());
            }
        }
        return clips;
    }

    private static ClipEntry lookUp(Map<String, ClipEntry> manifest, String path, String source,
            String licenseColumn) {
        ClipEntry entry = manifest.get(path);
        if (entry == null) {
            throw new IllegalStateException(path + " is not listed in manifest.csv");
        }
        if (!entry.source().equals(source) || !entry.license().equals(licenseColumn)) {
            throw new IllegalStateException(path + ": manifest says source '" + entry.source() + "', license '"
                    + entry.license() + "'; the demo's licence review covers source '" + source + "', license '"
                    + licenseColumn + "'");
        }
        return entry;
    }

    /** Reads a clip as it is, without resampling, so the demo depends on the files alone. */
    private static LoadedClip load(ClipEntry entry) throws IOException {
        AudioClip clip = AudioLoader.read(entry.file());
        if (clip.sampleRate() != SAMPLE_RATE) {
            throw new IllegalStateException(entry.path() + " is at " + clip.sampleRate() + " Hz, expected "
                    + SAMPLE_RATE);
        }
        return LoadedClip.of(entry, clip.samples());
    }

    /** Adds {@code clip * gain} at {@code position}, with short linear fades at the clip's own edges. */
    private static void addFaded(float[] mix, float[] clip, int position, double gain) {
        int fade = (int) Math.round(CLIP_FADE_SECONDS * SAMPLE_RATE);
        for (int i = 0; i < clip.length; i++) {
            double w = Math.min(1.0, Math.min((i + 0.5) / fade, (clip.length - i - 0.5) / fade));
            mix[position + i] += (float) (clip[i] * gain * w);
        }
    }

    private static void fadeEdges(float[] x, int fade) {
        for (int i = 0; i < fade; i++) {
            double w = (i + 0.5) / fade;
            x[i] *= (float) w;
            x[x.length - 1 - i] *= (float) w;
        }
    }

    private static void logLevels(float[] mix, float[] bed, PrintStream log) {
        log.println("Levels per second (mix RMS / mix peak / bed RMS, dBFS):");
        for (int s = 0; s * SAMPLE_RATE < mix.length; s++) {
            int from = s * SAMPLE_RATE;
            int to = Math.min(mix.length, from + SAMPLE_RATE);
            double mixRms = dB(Augment.rms(mix, from, to));
            StringBuilder bar = new StringBuilder();
            for (double level = -60; level < mixRms; level += 2) {
                bar.append('#');
            }
            log.printf(Locale.ROOT, "  %2d-%2d s  %6.1f  %6.1f  %6.1f  %s%n", s, s + 1, mixRms,
                    dB(peak(mix, from, to)), dB(Augment.rms(bed, from, to)), bar);
        }
    }

    private static double peak(float[] x, int from, int to) {
        double p = 0;
        for (int i = from; i < to; i++) {
            p = Math.max(p, Math.abs(x[i]));
        }
        return p;
    }

    private static double dB(double amplitude) {
        return 20 * Math.log10(amplitude);
    }

    private static double millis(int sample) {
        return Math.round(sample * 1000.0 / SAMPLE_RATE) / 1000.0;
    }
}
