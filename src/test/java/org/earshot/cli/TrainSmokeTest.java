package org.earshot.cli;

import com.google.gson.JsonParser;
import org.earshot.audio.WavWriter;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.earshot.testing.SyntheticDataset;
import org.earshot.train.ClipEntry;
import org.earshot.train.DatasetManifest;
import org.earshot.train.GroupSplit;
import org.earshot.train.TrainOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code earshot train} end to end on a tiny synthetic dataset (three tiny epochs, so that hard-negative mining runs
 * once): the model directory it writes loads in the serving engine, scores patches, and {@code earshot detect} runs
 * with it. Runs without the real dataset.
 */
class TrainSmokeTest {
    private static final int FS = SyntheticDataset.FS;

    @TempDir
    Path dir;

    @Test
    void trainsExportsCalibratesAndDetects() throws IOException {
        Path data = SyntheticDataset.write(dir.resolve("data"));
        Path model = dir.resolve("model");
        CliRunner.Run train = CliRunner.run("train", "--dataset", data.toString(), "--out", model.toString(),
                "--epochs", "3", "--examples-per-epoch", "64", "--batch-size", "32", "--validation-fraction", "0.34");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.err().contains("epoch 1/3") && train.err().contains("epoch 3/3"),
                "progress line per epoch: " + train.err());
        // A fifth of the ~26 background examples of an epoch, mined from the third epoch on.
        assertTrue(train.err().lines().anyMatch(l -> l.startsWith("epoch 3/3") && l.contains("hard negatives 5 ")),
                train.err());
        assertTrue(Files.size(model.resolve("model.onnx")) > 1000);
        ModelManifest manifest = ModelManifest.read(model);
        assertEquals(Labels.CLASSES, manifest.labels);
        assertEquals("cnn", manifest.training.architecture());
        assertEquals(64, manifest.training.datasetManifestSha256().length());
        assertEquals(5, manifest.training.hardNegatives());

        try (OnnxClassifier classifier = OnnxClassifier.load(model)) {
            float[][] scores = classifier.classify(new float[][] {new float[64 * 96], randomPatch()});
            for (float[] row : scores) {
                assertEquals(3, row.length);
                for (float p : row) {
                    assertTrue(p >= 0 && p <= 1, "probability " + p);
                }
            }
        }

        Path wav = dir.resolve("probe.wav");
        WavWriter.write16(wav, SyntheticDataset.sound("impact", new Random(5), 5 * FS), FS);
        CliRunner.Run detect = CliRunner.run("detect", wav.toString(), "--model", model.toString(),
                "--threshold", "impact=0.01");
        assertEquals(0, detect.exitCode(), detect.err());
        for (String line : detect.out().lines().toList()) {
            assertTrue(JsonParser.parseString(line).getAsJsonObject().has("class"), line);
        }
    }

    /**
     * Two fold models of a 2-fold cross-validation (one tiny epoch each), pooled by {@code evaluate
     * cross-validation}: every clip of the dataset is scored once, thresholds are written into another model's
     * manifest, and models that do not form one partition are refused.
     */
    @Test
    void crossValidationPoolsFoldModelsAndWritesTheirThresholds() throws IOException {
        Path data = SyntheticDataset.write(dir.resolve("data"));
        Path[] folds = new Path[2];
        for (int f = 0; f < 2; f++) {
            folds[f] = dir.resolve("fold-" + f);
            CliRunner.Run train = CliRunner.run("train", "--dataset", data.toString(), "--out", folds[f].toString(),
                    "--epochs", "1", "--examples-per-epoch", "64", "--batch-size", "32", "--folds", "2", "--fold",
                    String.valueOf(f), "--pooling", f == 0 ? "mean" : "meanmax");
            assertEquals(0, train.exitCode(), train.err());
            assertTrue(train.err().contains("fold " + f + " of 2"), train.err());
            ModelManifest m = ModelManifest.read(folds[f]);
            assertEquals(2, m.training.folds());
            assertEquals(f, m.training.fold());
            assertEquals(f == 0 ? "mean" : "meanmax", m.training.pooling());
        }
        // The model to ship: same recipe, every group trains; its thresholds come from the folds.
        Path target = dir.resolve("all");
        CliRunner.Run all = CliRunner.run("train", "--dataset", data.toString(), "--out", target.toString(),
                "--epochs", "1", "--examples-per-epoch", "64", "--batch-size", "32", "--validation-fraction", "0");
        assertEquals(0, all.exitCode(), all.err());
        assertTrue(all.err().contains("24 for training, 0 for validation"), all.err());
        assertTrue(all.err().lines().anyMatch(l -> l.startsWith("epoch 1/1  loss") && !l.contains("AUC")), all.err());
        assertTrue(all.err().contains("no validation split: thresholds left at 0.50"), all.err());
        assertTrue(ModelManifest.read(target).thresholdRule.startsWith("not calibrated"));
        CliRunner.run("evaluate", "streams", "--dataset", data.toString(), "--model", target.toString())
                .assertRejected("was trained on every group");
        CliRunner.Run cv = CliRunner.run("evaluate", "cross-validation", "--dataset", data.toString(),
                folds[0].toString(), folds[1].toString(), "--write-thresholds", target.toString(), "--sweep",
                "--by-source", "--top-background", "2");
        assertEquals(0, cv.exitCode(), cv.err());
        for (String expected : new String[] {"cross-validation: 2 of 2 folds", "A. each fold at the thresholds chosen "
                + "on the other folds", "all folds +0 dB", "all folds background", "per fold, 0 dB F1",
                "B. every fold", "clips of all folds", "recall per source", "threshold sweep",
                "highest-scoring background clips for impact"}) {
            assertTrue(cv.out().contains(expected), expected + " in " + cv.out());
        }
        // The synthetic dataset has 6 clips per label; pooled over both folds, every one is scored once.
        for (String label : Labels.CLASSES) {
            String row = cv.out().lines().filter(l -> l.startsWith(label + " ")).reduce((a, b) -> b).orElseThrow();
            String[] cols = row.trim().split("\\s+");
            assertEquals(6, Integer.parseInt(cols[1]) + Integer.parseInt(cols[3]), "TP + FN of " + row);
        }
        // Two background clips per class, highest score first, each named with the fold that holds it out (the fold
        // whose model scored it).
        List<String> top = cv.out().lines().filter(l -> l.matches("\\d\\.\\d{4}  fold [01]  synthetic/background  "
                + "background-\\d-\\d\\.wav")).toList();
        assertEquals(2 * Labels.CLASSES.size(), top.size(), cv.out());
        List<ClipEntry> clips = DatasetManifest.read(data).clips();
        for (int i = 0; i < top.size(); i++) {
            String[] cols = top.get(i).split("\\s+");
            int fold = Integer.parseInt(cols[2]);
            String path = cols[4];
            assertTrue(GroupSplit.Spec.fold(2, fold, TrainOptions.DEFAULT_SEED).apply(clips).validation().stream()
                    .anyMatch(c -> c.path().equals(path)), path + " is not in fold " + fold);
            if (i % 2 == 1) {
                assertTrue(Double.parseDouble(cols[0]) <= Double.parseDouble(top.get(i - 1).split("\\s+")[0]),
                        "not highest first: " + top.get(i - 1) + " then " + top.get(i));
            }
        }
        CliRunner.run("evaluate", "cross-validation", "--dataset", data.toString(), folds[0].toString(),
                "--top-background", "-1").assertRejected("--top-background must be >= 0");
        ModelManifest written = ModelManifest.read(target);
        assertTrue(written.thresholdRule.startsWith("chosen by 2-fold cross-validation"), written.thresholdRule);
        assertEquals(0.0, written.training.validationFraction(), "the rest of the manifest is kept");
        for (String label : Labels.CLASSES) {
            String line = cv.out().lines().filter(l -> l.startsWith("threshold " + label + " ")).findFirst()
                    .orElseThrow();
            assertEquals(Double.parseDouble(line.trim().split("\\s+")[2]), written.thresholds.get(label), 1e-9, line);
        }

        CliRunner.run("evaluate", "cross-validation", "--dataset", data.toString(), folds[0].toString(),
                folds[0].toString()).assertRejected("fold 0 is given twice");
        written.training = new ModelManifest.Training(written.training.dataset(),
                written.training.datasetManifestSha256(), "x", "cnn", 1, 0.2, 1, 64, 0.4, "now", 1, 0, 0, 0, "mean", false, null);
        written.write(target);
        CliRunner.run("evaluate", "cross-validation", "--dataset", data.toString(), target.toString())
                .assertRejected("not a cross-validation fold model");
    }

    /**
     * A fold model trained on two folders read together, less the clips of one quality: its manifest names both
     * folders and the exclusion and records the combination's hash, which cross-validation then requires.
     */
    @Test
    void trainsOnTwoDatasetsLessAQualityAndRecordsWhich() throws IOException {
        Path a = SyntheticDataset.write(dir.resolve("set-a"), "a:");
        Path b = SyntheticDataset.write(dir.resolve("set-b"), "b:");
        DatasetOptionTest.addQualityColumn(b);
        Path model = dir.resolve("fold-0");
        CliRunner.Run train = CliRunner.run("train", "--dataset", a.toString(), "--dataset", b.toString(),
                "--exclude-quality", DatasetOptionTest.HEURISTIC, "--out", model.toString(), "--epochs", "1",
                "--examples-per-epoch", "64", "--batch-size", "32", "--folds", "2", "--fold", "0");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.err().contains(": 42 clips,"), "24 + 24 less b's 6 shouts: " + train.err());
        ModelManifest manifest = ModelManifest.read(model);
        assertEquals("set-a+set-b excluding quality '" + DatasetOptionTest.HEURISTIC + "'",
                manifest.training.dataset());
        assertEquals(DatasetManifest.read(List.of(a, b)).excludingQualities(List.of(DatasetOptionTest.HEURISTIC))
                .sha256(), manifest.training.datasetManifestSha256());
        CliRunner.run("evaluate", "cross-validation", "--dataset", a.toString(), "--dataset", b.toString(),
                model.toString()).assertRejected("dataset sha256 differs");
        CliRunner.Run streams = CliRunner.run("evaluate", "streams", "--dataset", b.toString(), "--dataset",
                a.toString(), "--exclude-quality", DatasetOptionTest.HEURISTIC, "--model", model.toString());
        assertEquals(0, streams.exitCode(), streams.err());
        assertTrue(streams.err().contains("warning: model fold-0 was trained on set-a+set-b"), streams.err());
        assertTrue(streams.out().contains("validation split of set-b+set-a excluding quality"), streams.out());
    }

    private static float[] randomPatch() {
        Random r = new Random(3);
        float[] p = new float[64 * 96];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (r.nextGaussian() - 4);
        }
        return p;
    }
}
