package org.earshot.cli;

import com.google.gson.JsonObject;
import org.earshot.audio.AudioLoader;
import org.earshot.audio.AudioSource;
import org.earshot.detect.CascadeClassifier;
import org.earshot.detect.Detection;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.FileDetector;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.pipeline.OutputJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code earshot detect FILE}: one JSON object per detected event on standard output, nothing else there. WAV and
 * FLAC are told apart by content ({@link AudioLoader}).
 */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Detect events in a WAV or FLAC file: one JSON object per event on standard output.")
final class DetectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "Audio file: " + AudioLoader.FORMATS
            + ", any channels and rate")
    Path file;

    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: ${DEFAULT-VALUE})")
    Path model = Paths.defaultModel();

    @Option(names = "--threshold", paramLabel = "CLASS=P",
            description = "Override a class's detection threshold, e.g. --threshold shout=0.8 (repeatable)")
    Map<String, Double> thresholds = new LinkedHashMap<>();

    @Option(names = "--summary", description = "Print a human-readable table instead of JSON lines")
    boolean summary;

    @Option(names = "--no-gate", description = "Classify every window, even quiet ones")
    boolean noGate;

    @Option(names = "--stats", description = "Print processing statistics (real-time factor including decoding, gated"
            + " windows) to stderr")
    boolean stats;

    @Override
    public Integer call() {
        Paths.requireFile(file, "audio file");
        try (LoadedModel loaded = LoadedModel.open(model)) {
            DetectorConfig config = loaded.detectorConfig();
            for (Map.Entry<String, Double> t : thresholds.entrySet()) {
                config = config.withThreshold(t.getKey(), t.getValue());
            }
            if (noGate) {
                config = config.withGateEnabled(false);
            }
            long start = System.nanoTime();
            FileDetector.Result result;
            try (AudioSource source = AudioLoader.open(file)) {
                if (source.sampleRate() < FrontEndSpec.SAMPLE_RATE) {
                    System.err.printf(Locale.ROOT, "earshot: warning: %s is sampled at %d Hz, below the model's %d Hz:"
                            + " the band above %d Hz is missing, and recall drops%n", file, source.sampleRate(),
                            FrontEndSpec.SAMPLE_RATE, source.sampleRate() / 2);
                }
                Progress progress = new Progress(System.err, source.declaredSamples() / (double) source.sampleRate(),
                        Progress.INTERVAL_NANOS);
                result = FileDetector.detect(source, file.toString(), loaded.classifier(), config, progress);
                progress.finish();
            } catch (IOException e) {
                throw new BadInputException(e.getMessage(), e);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            PrintStream out = System.out;
            if (summary) {
                printSummary(out, result);
            } else {
                for (Detection d : result.detections()) {
                    out.println(json(d, loaded.manifest().name));
                }
            }
            out.flush();
            if (stats) {
                System.err.printf(Locale.ROOT, "earshot: %.1f s of audio read, decoded and analysed in %.3f s (%.0fx"
                                + " real time), %d windows, %d skipped by the level gate (%.0f%%)%n",
                        result.audioSeconds(), seconds, result.audioSeconds() / seconds, result.windows(),
                        result.gatedWindows(),
                        100.0 * result.gatedWindows() / Math.max(1, result.windows()));
                if (loaded.classifier() instanceof CascadeClassifier cascade) {
                    System.err.printf(Locale.ROOT, "earshot: cascade: the screen passed %d of %d windows (%.1f%%) to "
                            + "the confirming network%n", cascade.confirmed(), cascade.screened(),
                            100.0 * cascade.confirmed() / Math.max(1, cascade.screened()));
                }
            }
        }
        return 0;
    }

    /**
     * Progress on standard error for long files: at most one line every {@code intervalNanos} of wall-clock time, the
     * first after one interval, so a short file prints none.
     */
    static final class Progress implements java.util.function.DoubleConsumer {
        static final long INTERVAL_NANOS = 5_000_000_000L;
        private final PrintStream err;
        private final double totalSeconds;
        private final long intervalNanos;
        private long nextNanos;
        private boolean printed;
        private double lastSeconds;

        /** {@code totalSeconds} is negative when the file does not say how long it is. */
        Progress(PrintStream err, double totalSeconds, long intervalNanos) {
            this.err = err;
            this.totalSeconds = totalSeconds;
            this.intervalNanos = intervalNanos;
            this.nextNanos = System.nanoTime() + intervalNanos;
        }

        @Override
        public void accept(double secondsRead) {
            lastSeconds = secondsRead;
            long now = System.nanoTime();
            if (now - nextNanos >= 0) {
                print(secondsRead);
                nextNanos = now + intervalNanos;
            }
        }

        /** The last line, when progress was shown at all. */
        void finish() {
            if (printed) {
                print(lastSeconds);
            }
        }

        private void print(double secondsRead) {
            printed = true;
            if (totalSeconds > 0) {
                err.printf(Locale.ROOT, "earshot: %s of %s of audio analysed (%.0f%%)%n", clock(secondsRead),
                        clock(totalSeconds), 100 * Math.min(1, secondsRead / totalSeconds));
            } else {
                err.printf(Locale.ROOT, "earshot: %s of audio analysed%n", clock(secondsRead));
            }
            err.flush();
        }
    }

    static String json(Detection d, String modelName) {
        JsonObject o = new JsonObject();
        o.addProperty("class", d.label());
        o.addProperty("onset", OutputJson.round(d.onset(), 3));
        o.addProperty("offset", OutputJson.round(d.offset(), 3));
        o.addProperty("confidence", OutputJson.round(d.confidence(), 3));
        if (Double.isFinite(d.peakDbfs())) {
            o.addProperty("peak_dbfs", OutputJson.round(d.peakDbfs(), 1));
        }
        o.addProperty("model", modelName);
        return o.toString();
    }

    private void printSummary(PrintStream out, FileDetector.Result result) {
        out.printf(Locale.ROOT, "%s: %.1f s, %d event(s)%n", file.getFileName(), result.audioSeconds(),
                result.detections().size());
        if (result.detections().isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "%-12s %9s %9s %10s %10s%n", "class", "onset", "offset", "confidence", "peak dBFS");
        for (Detection d : result.detections()) {
            out.printf(Locale.ROOT, "%-12s %9s %9s %10.2f %10s%n", d.label(), clock(d.onset()), clock(d.offset()),
                    d.confidence(), Double.isFinite(d.peakDbfs()) ? String.format(Locale.ROOT, "%.1f", d.peakDbfs())
                            : "-");
        }
    }

    private static String clock(double seconds) {
        int m = (int) (seconds / 60);
        return String.format(Locale.ROOT, "%d:%05.2f", m, seconds - 60 * m);
    }
}
