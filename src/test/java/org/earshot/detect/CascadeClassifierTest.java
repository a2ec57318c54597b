package org.earshot.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cascade confirms exactly the patches its screen passes, in any batching, and closes both classifiers. */
class CascadeClassifierTest {
    /** Scores each patch by its first values: the screen reads [0..2], the confirming classifier [3..5]. */
    private static final class Fixed implements Classifier {
        final int offset;
        final List<Integer> batchSizes = new ArrayList<>();
        boolean closed;

        Fixed(int offset) {
            this.offset = offset;
        }

        @Override
        public float[][] classify(float[][] patches) {
            batchSizes.add(patches.length);
            float[][] out = new float[patches.length][3];
            for (int i = 0; i < patches.length; i++) {
                System.arraycopy(patches[i], offset, out[i], 0, 3);
            }
            return out;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void confirmsOnlyWhatTheScreenPassesWhateverTheBatching() {
        float[][] patches = {
                {0.1f, 0.0f, 0.0f, 0.9f, 0.9f, 0.9f}, // screened out: scores 0 though the confirmer says 0.9
                {0.3f, 0.0f, 0.0f, 0.7f, 0.2f, 0.1f}, // shout reaches its screen threshold
                {0.0f, 0.0f, 0.5f, 0.1f, 0.2f, 0.8f}, // impact reaches its screen threshold
                {0.29f, 0.19f, 0.49f, 1f, 1f, 1f}, // every class just below
        };
        Fixed screen = new Fixed(0);
        Fixed confirm = new Fixed(3);
        float[][] expected = {{0, 0, 0}, {0.7f, 0.2f, 0.1f}, {0.1f, 0.2f, 0.8f}, {0, 0, 0}};
        try (CascadeClassifier cascade = new CascadeClassifier(screen, confirm, new float[] {0.3f, 0.2f, 0.5f})) {
            float[][] all = cascade.classify(patches);
            for (int i = 0; i < patches.length; i++) {
                assertArrayEquals(expected[i], all[i], "patch " + i + " in one batch");
                assertArrayEquals(expected[i], cascade.classify(new float[][] {patches[i]})[0], "patch " + i + " alone");
            }
            assertEquals(List.of(2, 1, 1), confirm.batchSizes, "only passed patches reach the confirming classifier");
            assertEquals(8, cascade.screened());
            assertEquals(4, cascade.confirmed());
            assertEquals(0, cascade.classify(new float[0][]).length);
        }
        assertTrue(screen.closed && confirm.closed);
    }

    @Test
    void refusesBadScreenThresholds() {
        assertThrows(IllegalArgumentException.class, () -> new CascadeClassifier(new Fixed(0), new Fixed(3),
                new float[] {0.1f, 0.2f}));
        assertThrows(IllegalArgumentException.class, () -> new CascadeClassifier(new Fixed(0), new Fixed(3),
                new float[] {0.1f, 1.0f, 0.2f}));
        assertThrows(IllegalArgumentException.class, () -> new CascadeClassifier(new Fixed(0), new Fixed(3),
                new float[] {0.1f, Float.NaN, 0.2f}));
    }
}
