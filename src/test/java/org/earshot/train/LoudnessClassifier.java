package org.earshot.train;

import org.earshot.detect.Classifier;

/**
 * A fixed function of loudness for calibration tests: every class scores 0.9995 (above every candidate threshold)
 * when the patch's loudest log-mel value exceeds log(50), 0.7 when it exceeds log(5), else 0.1. At the front end's
 * scale a 1 kHz burst of amplitude 0.8 scores 0.9995 and one of amplitude 0.2 scores 0.7.
 */
final class LoudnessClassifier implements Classifier {
    @Override
    public float[][] classify(float[][] patches) {
        float[][] out = new float[patches.length][3];
        for (int i = 0; i < patches.length; i++) {
            float max = Float.NEGATIVE_INFINITY;
            for (float v : patches[i]) {
                max = Math.max(max, v);
            }
            float p = max > Math.log(50) ? 0.9995f : max > Math.log(5) ? 0.7f : 0.1f;
            java.util.Arrays.fill(out[i], p);
        }
        return out;
    }

    @Override
    public void close() {}
}
