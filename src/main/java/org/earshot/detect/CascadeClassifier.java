package org.earshot.detect;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Two classifiers in a cascade: a cheap screen scores every patch, and only the patches on which some class reaches
 * its screen threshold go to the costly confirming classifier, whose scores are the result; the others score 0 for
 * every class. The result depends on each patch alone, never on its neighbours or on how patches are batched, so
 * that a file and a live stream of the same audio get the same scores. Counts what it screened and confirmed (the
 * share confirmed is what the cascade costs beyond the screen).
 */
public final class CascadeClassifier implements Classifier {
    private final Classifier screen;
    private final Classifier confirm;
    private final float[] screenThresholds;
    private final LongAdder screened = new LongAdder();
    private final LongAdder confirmed = new LongAdder();

    /** Takes ownership of both classifiers: {@link #close} closes them. */
    public CascadeClassifier(Classifier screen, Classifier confirm, float[] screenThresholds) {
        if (screenThresholds.length != Labels.CLASSES.size()) {
            throw new IllegalArgumentException("need " + Labels.CLASSES.size() + " screen thresholds, got "
                    + screenThresholds.length);
        }
        for (float t : screenThresholds) {
            if (!(t >= 0 && t < 1)) {
                throw new IllegalArgumentException("screen thresholds must be in [0, 1), got "
                        + Arrays.toString(screenThresholds));
            }
        }
        this.screen = screen;
        this.confirm = confirm;
        this.screenThresholds = screenThresholds.clone();
    }

    @Override
    public float[][] classify(float[][] patches) {
        float[][] first = screen.classify(patches);
        int[] passed = new int[patches.length];
        int n = 0;
        for (int i = 0; i < patches.length; i++) {
            for (int c = 0; c < screenThresholds.length; c++) {
                if (first[i][c] >= screenThresholds[c]) {
                    passed[n++] = i;
                    break;
                }
            }
        }
        float[][] out = new float[patches.length][screenThresholds.length];
        if (n > 0) {
            float[][] selected = new float[n][];
            for (int k = 0; k < n; k++) {
                selected[k] = patches[passed[k]];
            }
            float[][] second = confirm.classify(selected);
            for (int k = 0; k < n; k++) {
                out[passed[k]] = second[k];
            }
        }
        screened.add(patches.length);
        confirmed.add(n);
        return out;
    }

    /** Patches scored by the screen so far. */
    public long screened() {
        return screened.sum();
    }

    /** Patches the screen passed on to the confirming classifier so far. */
    public long confirmed() {
        return confirmed.sum();
    }

    @Override
    public void close() {
        try {
            screen.close();
        } finally {
            confirm.close();
        }
    }
}
