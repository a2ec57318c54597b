package org.earshot.train.head;

import org.earshot.dsp.FrontEndSpec;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.onnx.OnnxComposer;
import org.earshot.train.yamnet.SharedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * YAMNet-AudioSet with a head composed on top ({@link OnnxComposer}) is served by the ordinary classifier and gives
 * exactly what the backbone's embedding through the head's layers gives, computed in plain Java
 * ({@link DenseHeadTrainer#predict}, which the screen thresholds also use).
 */
class AudiosetComposerTest {
    private static final int PATCH = FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES;

    @TempDir
    Path dir;

    @Test
    void composedModelMatchesBackboneEmbeddingThroughTheHead() throws Exception {
        Path backbone = SharedModels.audioset();
        Random rng = new Random(5);
        OnnxComposer.Dense hidden = dense(1024, 8, true, rng);
        OnnxComposer.Dense out = dense(8, 3, false, rng);
        OnnxComposer.write(backbone, EmbeddingHeadTrainer.PATCH_INPUT, EmbeddingHeadTrainer.EMBEDDING_OUTPUT,
                List.of(hidden, out), dir.resolve("model.onnx"));
        float[][] patches = new float[3][PATCH];
        for (float[] p : patches) {
            for (int i = 0; i < PATCH; i++) {
                p[i] = (float) (-4 + 2 * rng.nextGaussian());
            }
        }
        float[][] served;
        try (OnnxClassifier classifier = OnnxClassifier.load(dir)) {
            served = classifier.classify(patches);
        }
        float[][] embedding;
        try (EmbeddingExtractor extractor = new EmbeddingExtractor(backbone, EmbeddingHeadTrainer.PATCH_INPUT,
                EmbeddingHeadTrainer.EMBEDDING_OUTPUT, 1)) {
            assertEquals(1024, extractor.features());
            embedding = extractor.embed(patches);
        }
        for (int i = 0; i < patches.length; i++) {
            float[] expected = DenseHeadTrainer.predict(List.of(hidden, out), embedding[i]);
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[c], served[i][c], 1e-4, "patch " + i + " class " + c);
            }
        }
    }

    @Test
    void aHeadOnTheEmbeddingAndTheLogitsOfTheScoresMatchesTheTrainingFeatures() throws Exception {
        // What EmbeddingExtractor gives the head trainer (embedding, then logit(clip(scores))) must be what the
        // composed graph feeds the head (Concat of the embedding and Clip, Log, Sub nodes on the scores).
        Path backbone = SharedModels.audioset();
        List<OnnxComposer.Feature> features = List.of(
                new OnnxComposer.Feature(EmbeddingHeadTrainer.EMBEDDING_OUTPUT, false),
                new OnnxComposer.Feature(ZeroShotHead.SCORES_OUTPUT, true));
        Random rng = new Random(8);
        List<OnnxComposer.Dense> head = List.of(dense(1024 + 521, 4, true, rng), dense(4, 3, false, rng));
        OnnxComposer.write(backbone, EmbeddingHeadTrainer.PATCH_INPUT, features, head, dir.resolve("model.onnx"));
        float[][] patches = new float[3][PATCH];
        for (float[] p : patches) {
            for (int i = 0; i < PATCH; i++) {
                p[i] = (float) (-4 + 2 * rng.nextGaussian());
            }
        }
        float[][] served;
        try (OnnxClassifier classifier = OnnxClassifier.load(dir)) {
            served = classifier.classify(patches);
        }
        float[][] x;
        float[][] scores;
        try (EmbeddingExtractor extractor = new EmbeddingExtractor(backbone, EmbeddingHeadTrainer.PATCH_INPUT,
                features, 1);
             EmbeddingExtractor raw = new EmbeddingExtractor(backbone, EmbeddingHeadTrainer.PATCH_INPUT,
                     ZeroShotHead.SCORES_OUTPUT, 1)) {
            assertEquals(1024 + 521, extractor.features());
            x = extractor.embed(patches);
            scores = raw.embed(patches);
        }
        for (int i = 0; i < patches.length; i++) {
            for (int k = 0; k < 521; k++) {
                double p = Math.min(1 - 1e-4, Math.max(1e-4, scores[i][k]));
                assertEquals(Math.log(p / (1 - p)), x[i][1024 + k], 1e-3, "logit of score " + k);
            }
            float[] expected = DenseHeadTrainer.predict(head, x[i]);
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[c], served[i][c], 1e-4, "patch " + i + " class " + c);
            }
        }
    }

    @Test
    void refusesABackboneWithoutTheNamedInputAndMalformedBytes() throws Exception {
        byte[] model = Files.readAllBytes(SharedModels.audioset());
        List<OnnxComposer.Dense> head = List.of(dense(1024, 3, false, new Random(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxComposer.compose(model, "logmel", "embedding", head));
        assertTrue(e.getMessage().contains("no graph input 'logmel'"), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(model, 1000);
        e = assertThrows(IllegalArgumentException.class, () -> OnnxComposer.compose(truncated, "patch", "embedding",
                head));
        assertTrue(e.getMessage().startsWith("malformed protobuf"), e.getMessage());
    }

    private static OnnxComposer.Dense dense(int in, int out, boolean relu, Random rng) {
        float[] w = new float[in * out];
        float[] b = new float[out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() / Math.sqrt(in));
        }
        for (int i = 0; i < out; i++) {
            b[i] = (float) (0.1 * rng.nextGaussian());
        }
        return new OnnxComposer.Dense(in, out, w, b, relu);
    }
}
