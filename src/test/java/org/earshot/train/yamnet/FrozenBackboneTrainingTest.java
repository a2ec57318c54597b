package org.earshot.train.yamnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import org.earshot.testing.SyntheticDataset;
import org.earshot.train.DatasetSelection;
import org.earshot.train.ModelTrainer;
import org.earshot.train.TrainOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code earshot train --freeze-backbone}: the pretrained YAMNet-256 weights come out of training exactly as they went
 * in while the head learns; without the option the same run changes the backbone too (so the check can fail).
 */
class FrozenBackboneTrainingTest {
    @TempDir
    Path dir;

    @Test
    void frozenBackboneKeepsThePretrainedWeightsWhileTheHeadLearns() throws Exception {
        Path h5 = SharedModels.backbone();
        Path data = SyntheticDataset.write(dir.resolve("data"));
        List<float[]> pretrained;
        List<float[]> pretrainedStatistics;
        float[] initialHead;
        SequentialBlock fresh = YamnetImporter.fineTuneNetwork(h5, 3, 1L);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            fresh.initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(2));
            pretrained = parameters(backboneOf(fresh), false);
            pretrainedStatistics = parameters(backboneOf(fresh), true);
            initialHead = headWeight(fresh);
        }
        for (boolean freeze : new boolean[] {true, false}) {
            TrainOptions options = new TrainOptions(DatasetSelection.of(data), dir.resolve("model"), "yamnet", 1, 64, 32, 0.01, 1L, 0.34,
                    16, h5, 2, 0.4, 0, 0, 0, "mean", freeze, null, null, TrainOptions.Head.NONE);
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            try (ModelTrainer.Result result = new ModelTrainer(options,
                    new PrintStream(progress, true, StandardCharsets.UTF_8)).train()) {
                SequentialBlock network = (SequentialBlock) result.block();
                List<float[]> after = parameters(backboneOf(network), false);
                assertEquals(pretrained.size(), after.size());
                int changed = 0;
                for (int i = 0; i < after.size(); i++) {
                    changed += Arrays.equals(pretrained.get(i), after.get(i)) ? 0 : 1;
                }
                String log = progress.toString(StandardCharsets.UTF_8);
                if (freeze) {
                    assertEquals(0, changed, "backbone weights changed while frozen");
                    assertTrue(log.contains("backbone frozen: training the head only"), log);
                    List<float[]> statistics = parameters(backboneOf(network), true);
                    assertFalse(statistics.isEmpty());
                    assertTrue(java.util.stream.IntStream.range(0, statistics.size())
                            .anyMatch(i -> !Arrays.equals(pretrainedStatistics.get(i), statistics.get(i))),
                            "the batch-norm running statistics should still adapt to the training data");
                } else {
                    assertTrue(changed > pretrained.size() / 2, changed + " of " + pretrained.size()
                            + " backbone weights changed in fine-tuning");
                    assertFalse(log.contains("backbone frozen"), log);
                }
                assertFalse(Arrays.equals(initialHead, headWeight(network)), "the head did not learn");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new TrainOptions(DatasetSelection.of(data), dir.resolve("cnn"), "cnn", 1, 64,
                32, 0.01, 1L, 0.34, 16, null, 2, 0.4, 0, 0, 0, "mean", true, null, null, TrainOptions.Head.NONE), "a CNN has no backbone to freeze");
    }

    private static Block backboneOf(SequentialBlock network) {
        return network.getChildren().get(0).getValue();
    }

    private static float[] headWeight(SequentialBlock network) {
        return network.getChildren().get(network.getChildren().size() - 1).getValue().getParameters().get("weight")
                .getArray().toFloatArray();
    }

    /**
     * In order, the batch-norm running statistics ({@code statistics}) or else the learned parameters: weights,
     * biases, batch-norm scales and shifts.
     */
    private static List<float[]> parameters(Block block, boolean statistics) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            boolean statistic = type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR;
            if (statistic == statistics) {
                out.add(p.getValue().getArray().toFloatArray());
            }
        }
        return out;
    }
}
