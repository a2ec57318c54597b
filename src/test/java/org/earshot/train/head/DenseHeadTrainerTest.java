package org.earshot.train.head;

import org.earshot.train.onnx.OnnxComposer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The head learns a multi-label problem on features far from zero mean and unit scale, and its exported layers (the
 * standardisation folded into the first) classify raw features as the trained network did.
 */
class DenseHeadTrainerTest {
    @Test
    void learnsAndFoldsTheStandardisationIntoTheFirstLayer() {
        Random rng = new Random(3);
        int n = 2048;
        float[][] x = new float[n][16];
        float[][] y = new float[n][3];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 16; f++) {
                x[i][f] = (float) (50 + 20 * rng.nextGaussian());
            }
            y[i][0] = x[i][0] > 50 ? 1 : 0;
            y[i][1] = x[i][1] + x[i][2] > 100 ? 1 : 0;
            y[i][2] = x[i][3] < 40 ? 1 : 0;
        }
        for (int hidden : new int[] {0, 16}) {
            List<OnnxComposer.Dense> head = DenseHeadTrainer.train(x, y,
                    new DenseHeadTrainer.Settings(hidden, 30, 64, 0.01, 0.0, 0.0, 0.0, 7), null);
            assertEquals(hidden == 0 ? 1 : 2, head.size());
            assertEquals(16, head.get(0).in());
            int correct = 0;
            for (int i = 0; i < n; i++) {
                float[] p = DenseHeadTrainer.predict(head, x[i]);
                for (int c = 0; c < 3; c++) {
                    correct += (p[c] > 0.5f) == (y[i][c] > 0.5) ? 1 : 0;
                }
            }
            double accuracy = correct / (3.0 * n);
            assertTrue(accuracy > 0.93, "hidden " + hidden + ": accuracy " + accuracy);
        }
    }

    @Test
    void refusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new DenseHeadTrainer.Settings(-1, 1, 64, 0.01, 0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DenseHeadTrainer.Settings(8, 1, 64, 0.01, 1.0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DenseHeadTrainer.Settings(8, 1, 64, 0.01, 0, 0, 0.5, 1));
        assertThrows(IllegalArgumentException.class, () -> DenseHeadTrainer.train(new float[10][4], new float[10][3],
                new DenseHeadTrainer.Settings(0, 1, 64, 0.01, 0, 0, 0, 1), null));
    }
}
