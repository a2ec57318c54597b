package org.earshot.train.head;

import org.earshot.detect.Labels;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.onnx.OnnxComposer;
import org.earshot.train.yamnet.SharedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zero-shot head: its AudioSet classes are the rows of YAMNet-AudioSet's class map that carry the mapped names
 * (and the indices ../shared/models/yamnet-audioset/NOTES.md's list comes to), and the composed ONNX scores each
 * class as the maximum of the backbone's own scores over exactly those rows.
 */
class ZeroShotHeadTest {
    private static final int PATCH = FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES;

    @TempDir
    Path dir;

    @Test
    void mappedIndicesAreTheClassMapRowsOfTheMappedNames() throws IOException {
        Path classMap = ZeroShotHead.classMap(SharedModels.audioset());
        List<int[]> indices = ZeroShotHead.indices(classMap);
        // The rows as read here, independently of ZeroShotHead's parser: "index,mid,display_name" (names quoted
        // when they hold a comma).
        List<String> lines = Files.readAllLines(classMap, StandardCharsets.UTF_8);
        assertEquals(522, lines.size(), "521 AudioSet classes and a header");
        for (int c = 0; c < Labels.CLASSES.size(); c++) {
            List<String> names = ZeroShotHead.MAPPING.get(Labels.CLASSES.get(c));
            assertEquals(names.size(), indices.get(c).length);
            for (int j = 0; j < names.size(); j++) {
                String row = lines.get(indices.get(c)[j] + 1);
                String name = names.get(j).contains(",") ? '"' + names.get(j) + '"' : names.get(j);
                assertTrue(row.startsWith(indices.get(c)[j] + ",") && row.endsWith("," + name),
                        Labels.CLASSES.get(c) + ": " + names.get(j) + " at row " + row);
            }
        }
        assertArrayEquals(new int[] {11, 6, 9, 10, 8}, indices.get(0), "shout");
        assertArrayEquals(new int[] {435, 437, 464, 436}, indices.get(1), "glass_break");
        assertArrayEquals(new int[] {421, 422, 425, 460, 352, 353, 454, 463, 420, 428, 348}, indices.get(2),
                "impact");
    }

    @Test
    void composedModelScoresEachClassAsTheMaximumOfItsAudioSetScores() throws Exception {
        Path backbone = SharedModels.audioset();
        List<int[]> classes = ZeroShotHead.indices(ZeroShotHead.classMap(backbone));
        OnnxComposer.writeMaxOver(backbone, EmbeddingHeadTrainer.PATCH_INPUT, ZeroShotHead.SCORES_OUTPUT, classes,
                dir.resolve("model.onnx"));
        Random rng = new Random(11);
        float[][] patches = new float[4][PATCH];
        for (float[] p : patches) {
            for (int i = 0; i < PATCH; i++) {
                p[i] = (float) (-5 + 2.5 * rng.nextGaussian());
            }
        }
        float[][] served;
        try (OnnxClassifier classifier = OnnxClassifier.load(dir)) {
            served = classifier.classify(patches);
        }
        float[][] scores;
        try (EmbeddingExtractor extractor = new EmbeddingExtractor(backbone, EmbeddingHeadTrainer.PATCH_INPUT,
                ZeroShotHead.SCORES_OUTPUT, 1)) {
            assertEquals(521, extractor.features());
            scores = extractor.embed(patches);
        }
        for (int i = 0; i < patches.length; i++) {
            assertEquals(Labels.CLASSES.size(), served[i].length);
            for (int c = 0; c < classes.size(); c++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int index : classes.get(c)) {
                    max = Math.max(max, scores[i][index]);
                }
                assertEquals(max, served[i][c], 1e-6, "patch " + i + " class " + c);
            }
        }
    }

    @Test
    void aClassMapWithoutAMappedNameOrMalformedIsRefused() throws IOException {
        List<String> lines = Files.readAllLines(ZeroShotHead.classMap(SharedModels.audioset()),
                StandardCharsets.UTF_8);
        Path missing = dir.resolve("missing.csv");
        Files.write(missing, lines.stream().map(l -> l.endsWith(",Door") ? l.replace(",Door", ",Doorway") : l)
                .toList());
        IOException e = assertThrows(IOException.class, () -> ZeroShotHead.indices(missing));
        assertTrue(e.getMessage().contains("no AudioSet class 'Door' (mapped to impact)"), e.getMessage());

        Path shuffled = dir.resolve("shuffled.csv");
        Files.write(shuffled, List.of(lines.get(0), lines.get(2), lines.get(1)));
        e = assertThrows(IOException.class, () -> ZeroShotHead.indices(shuffled));
        assertTrue(e.getMessage().contains("line 2: expected index 0"), e.getMessage());

        e = assertThrows(IOException.class, () -> ZeroShotHead.indices(dir.resolve("absent.csv")));
        assertTrue(e.getMessage().startsWith("AudioSet class map not found"), e.getMessage());
    }
}
