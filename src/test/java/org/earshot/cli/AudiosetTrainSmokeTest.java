package org.earshot.cli;

import org.earshot.model.ModelManifest;
import org.earshot.testing.SyntheticDataset;
import org.earshot.train.yamnet.SharedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audioset architecture end to end on a tiny synthetic dataset of two sources: {@code train --all-folds} writes
 * one cascade model per fold of sources (YAMNet-AudioSet head, YAMNet-256 screen) from one embedded bank, each
 * recording its folds; {@code evaluate cross-validation} pools them; {@code detect} runs the cascade. Needs the
 * shared pretrained models (skipped, saying so, without them).
 */
class AudiosetTrainSmokeTest {
    @TempDir
    Path dir;

    @Test
    void trainsEveryFoldOfSourcesAndPoolsThem() throws IOException {
        Path shared = SharedModels.dir();
        Path data = SyntheticDataset.write(dir.resolve("data"), "", 2);
        Path folds = dir.resolve("folds.csv");
        Files.writeString(folds, "source,fold\nsynthetic-0,first\nsynthetic-1,second\n");
        Path out = dir.resolve("loso");
        CliRunner.Run train = CliRunner.run("train", "--dataset", data.toString(), "--architecture", "audioset",
                "--cascade", "--head-hidden", "8", "--source-folds", folds.toString(), "--all-folds",
                "--examples-per-epoch", "512", "--epochs", "2", "--batch-size", "16",
                "--backbone", shared.resolve("yamnet-audioset/yamnet_patch.onnx").toString(),
                "--yamnet-weights", SharedModels.backbone().toString(), "--out", out.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.err().contains("embedded 512 of 512 examples"), train.err());
        assertTrue(train.err().contains("fold 0 (first): holding out [synthetic-0]"), train.err());
        for (int k = 0; k < 2; k++) {
            Path fold = out.resolve("fold" + k);
            ModelManifest m = ModelManifest.read(fold);
            assertEquals(k, m.training.fold());
            assertEquals(2, m.training.folds());
            assertEquals(List.of("synthetic-0"), m.training.sourceFolds().get("first"));
            assertEquals("screen.onnx", m.cascade.screenModel());
            assertTrue(Files.isRegularFile(fold.resolve("screen.onnx")) && Files.isRegularFile(fold.resolve(
                    "model.onnx")));
            assertTrue(m.thresholdRule.startsWith("not calibrated: fold " + k), m.thresholdRule);
        }
        // Each fold's heads saw only the examples without its held-out source.
        assertEquals(2, train.err().lines().filter(l -> l.matches("heads train on \\d+ of 512 embedded examples.*")
                && !l.startsWith("heads train on 512 ")).count(), train.err());

        CliRunner.Run cv = CliRunner.run("evaluate", "cross-validation", "--dataset", data.toString(),
                out.resolve("fold0").toString(), out.resolve("fold1").toString(), "--target-false-alarms-per-hour",
                "2");
        assertEquals(0, cv.exitCode(), cv.err());
        assertTrue(cv.out().contains("fold 0 first: synthetic-0"), cv.out());
        assertTrue(cv.out().contains("A. each fold at the thresholds chosen on the other folds"), cv.out());

        Path wav = dir.resolve("x.wav");
        org.earshot.audio.WavWriter.write16(wav, SyntheticDataset.sound("impact", new java.util.Random(3), 48_000),
                SyntheticDataset.FS);
        CliRunner.Run detect = CliRunner.run("detect", "--model", out.resolve("fold0").toString(), "--stats",
                wav.toString());
        assertEquals(0, detect.exitCode(), detect.err());
        assertTrue(detect.err().contains("cascade: the screen passed"), detect.err());

        Files.delete(out.resolve("fold1/screen.onnx"));
        CliRunner.run("detect", "--model", out.resolve("fold1").toString(), wav.toString())
                .assertRejected("screen.onnx");
    }

    @Test
    void zeroShotHeadNeedsNoTrainingAndIsTheSameModelInEveryFold() throws IOException {
        Path shared = SharedModels.dir();
        Path data = SyntheticDataset.write(dir.resolve("data"), "", 2);
        Path folds = dir.resolve("folds.csv");
        Files.writeString(folds, "source,fold\nsynthetic-0,first\nsynthetic-1,second\n");
        Path out = dir.resolve("zero-shot");
        CliRunner.Run train = CliRunner.run("train", "--dataset", data.toString(), "--architecture", "audioset",
                "--head", "zero-shot", "--source-folds", folds.toString(), "--all-folds",
                "--backbone", shared.resolve("yamnet-audioset/yamnet_patch.onnx").toString(), "--out", out.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(!train.err().contains("embedded"), train.err());
        assertTrue(train.err().contains("zero-shot head"), train.err());
        byte[] fold0 = Files.readAllBytes(out.resolve("fold0/model.onnx"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(fold0, Files.readAllBytes(out.resolve("fold1/model.onnx")));
        for (int k = 0; k < 2; k++) {
            ModelManifest m = ModelManifest.read(out.resolve("fold" + k));
            assertEquals("audioset", m.architecture);
            assertEquals(null, m.cascade);
            assertEquals(k, m.training.fold());
        }
        CliRunner.Run cv = CliRunner.run("evaluate", "cross-validation", "--dataset", data.toString(),
                out.resolve("fold0").toString(), out.resolve("fold1").toString(), "--target-false-alarms-per-hour",
                "2");
        assertEquals(0, cv.exitCode(), cv.err());
        assertTrue(cv.out().contains("A. each fold at the thresholds chosen on the other folds"), cv.out());

        CliRunner.run("train", "--dataset", data.toString(), "--architecture", "audioset", "--head", "zero-shot",
                "--cascade", "--yamnet-weights", SharedModels.backbone().toString(), "--out", dir.resolve("x").toString())
                .assertRejected("a zero-shot head has no cascade");
        CliRunner.run("train", "--dataset", data.toString(), "--architecture", "audioset", "--head", "one-shot",
                "--out", dir.resolve("x").toString()).assertRejected("--head must be trained or zero-shot");
        CliRunner.run("train", "--dataset", data.toString(), "--architecture", "audioset", "--head-input", "logits",
                "--out", dir.resolve("x").toString()).assertRejected("head input must be one of");
        CliRunner.run("train", "--dataset", data.toString(), "--architecture", "cnn", "--head-input", "scores",
                "--out", dir.resolve("x").toString()).assertRejected("need the audioset architecture");
    }
}
