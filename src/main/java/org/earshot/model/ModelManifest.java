package org.earshot.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import org.earshot.detect.Labels;
import org.earshot.dsp.FrontEndSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model directory's {@code manifest.json}: the front-end parameters the network was trained with (checked against
 * {@link FrontEndSpec} on load, since a model fed different features is silently wrong), its labels, the detection
 * thresholds chosen on validation, and where it came from (hash of the training manifest, code version).
 */
public final class ModelManifest {
    public static final String FILE = "manifest.json";

    /** Front-end parameters, as written by the trainer. */
    public record FrontEnd(int sampleRate, int windowLength, int fftSize, int hopLength, int melBands,
            double melMinHz, double melMaxHz, double logOffset, int patchFrames) {
        public static FrontEnd current() {
            return new FrontEnd(FrontEndSpec.SAMPLE_RATE, FrontEndSpec.WINDOW_LENGTH, FrontEndSpec.FFT_SIZE,
                    FrontEndSpec.HOP_LENGTH, FrontEndSpec.MEL_BANDS, FrontEndSpec.MEL_MIN_HZ, FrontEndSpec.MEL_MAX_HZ,
                    FrontEndSpec.LOG_OFFSET, FrontEndSpec.PATCH_FRAMES);
        }
    }

    /**
     * Provenance of the weights. {@code folds} is 0 when {@code validationFraction} of the groups was held out, else
     * the model held out fold {@code fold} (0-based) of a {@code folds}-fold partition (cross-validation).
     * {@code pooling} is the network's global pooling (absent, before it was an option: {@code mean}).
     * {@code frozenBackbone}: only the head was trained on top of the pretrained backbone (absent: false).
     * {@code sourceFolds}: when the folds are folds of sources (leave-sources-out), each fold's name and sources in
     * fold order (absent: folds of groups).
     */
    public record Training(String dataset, String datasetManifestSha256, String codeVersion, String architecture,
            long seed, double validationFraction, int epochs, int examplesPerEpoch, double backgroundShare,
            String trainedAt, double trainingSeconds, int hardNegatives, int folds, int fold, String pooling,
            boolean frozenBackbone, java.util.Map<String, List<String>> sourceFolds) {}

    /**
     * A two-stage model (absent: {@code model.onnx} alone): {@code screenModel}, a cheap network in the same directory,
     * scores every window, and {@code model.onnx} confirms only the windows on which some class reaches its
     * {@code screenThresholds} value (see {@link org.earshot.detect.CascadeClassifier}).
     */
    public record Cascade(String screenModel, Map<String, Double> screenThresholds) {}

    public String name;
    public String architecture;
    public FrontEnd frontEnd;
    public List<String> labels;
    /** Per-class detection (on) thresholds. */
    public Map<String, Double> thresholds = new LinkedHashMap<>();
    /** Per-class hysteresis (off) thresholds. */
    public Map<String, Double> offThresholds = new LinkedHashMap<>();
    public double hopSeconds;
    public double minDurationSeconds;
    public double mergeGapSeconds;
    public String thresholdRule;
    public Training training;
    public Cascade cascade;

    /** The detector settings this model was calibrated with (level gate at its defaults). */
    public org.earshot.detect.DetectorConfig detectorConfig() {
        List<Double> on = Labels.CLASSES.stream().map(thresholds::get).toList();
        List<Double> off = Labels.CLASSES.stream().map(offThresholds::get).toList();
        org.earshot.detect.DetectorConfig d = org.earshot.detect.DetectorConfig.defaults(toFloats(on));
        return new org.earshot.detect.DetectorConfig(on, off, minDurationSeconds, mergeGapSeconds, hopSeconds,
                d.gateEnabled(), d.gateMarginDb(), d.gateCeilingDbfs(), d.gateHistorySeconds(), d.gateWarmupSeconds());
    }

    /** The cascade's screen thresholds in the order of {@link Labels#CLASSES}. */
    public float[] screenThresholds() {
        return toFloats(Labels.CLASSES.stream().map(cascade.screenThresholds()::get).toList());
    }

    private static float[] toFloats(List<Double> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i).floatValue();
        }
        return f;
    }

    public static ModelManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("model directory " + dir + " has no " + FILE);
        }
        ModelManifest m;
        try {
            m = gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), ModelManifest.class);
        } catch (JsonParseException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (m == null) {
            throw new IOException(file + ": empty");
        }
        m.validate(file.toString());
        return m;
    }

    public void write(Path dir) throws IOException {
        validate(dir.resolve(FILE).toString());
        Files.writeString(dir.resolve(FILE), gson().toJson(this) + "\n", StandardCharsets.UTF_8);
    }

    private void validate(String where) throws IOException {
        if (frontEnd == null || !frontEnd.equals(FrontEnd.current())) {
            throw new IOException(where + ": frontEnd " + frontEnd + " differs from this build's front end "
                    + FrontEnd.current());
        }
        if (!Labels.CLASSES.equals(labels)) {
            throw new IOException(where + ": labels " + labels + " differ from " + Labels.CLASSES);
        }
        for (String label : Labels.CLASSES) {
            for (Map<String, Double> t : List.of(thresholds, offThresholds)) {
                Double v = t.get(label);
                if (v == null || !(v > 0 && v < 1)) {
                    throw new IOException(where + ": threshold for '" + label + "' missing or outside (0, 1): " + v);
                }
            }
            if (offThresholds.get(label) > thresholds.get(label)) {
                throw new IOException(where + ": offThresholds." + label + " above thresholds." + label);
            }
        }
        if (cascade != null) {
            if (cascade.screenModel() == null || !cascade.screenModel().matches("[A-Za-z0-9._-]+\\.onnx")
                    || cascade.screenModel().equals(ModelDirectory.MODEL_FILE)) {
                throw new IOException(where + ": cascade.screenModel must name another .onnx file in the model "
                        + "directory, got " + cascade.screenModel());
            }
            for (String label : Labels.CLASSES) {
                Double v = cascade.screenThresholds() == null ? null : cascade.screenThresholds().get(label);
                if (v == null || !(v >= 0 && v < 1)) {
                    throw new IOException(where + ": cascade.screenThresholds." + label + " missing or outside [0, 1): "
                            + v);
                }
            }
        }
        if (!(hopSeconds > 0 && hopSeconds <= 0.5)) {
            throw new IOException(where + ": hopSeconds must be in (0, 0.5], got " + hopSeconds);
        }
        if (!(minDurationSeconds >= 0) || !(mergeGapSeconds >= 0)) {
            throw new IOException(where + ": minDurationSeconds and mergeGapSeconds must be >= 0");
        }
        Objects.requireNonNull(name, "name");
    }

    private static Gson gson() {
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
    }
}
