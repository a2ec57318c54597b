package org.earshot.train;

import org.earshot.detect.Classifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a classifier and keeps every batch of scores it returns, in call order; {@link #replay()} gives a classifier
 * that returns them again in the same order without running the network. Detection calls the classifier in an order
 * that depends only on the audio (the level gate looks at levels, not scores), so evaluation can score a stream once
 * and re-run the event tracker for many thresholds.
 */
public final class RecordingClassifier implements Classifier {
    private final Classifier delegate;
    private final List<float[][]> batches = new ArrayList<>();

    public RecordingClassifier(Classifier delegate) {
        this.delegate = delegate;
    }

    @Override
    public float[][] classify(float[][] patches) {
        float[][] scores = delegate.classify(patches);
        batches.add(scores);
        return scores;
    }

    /** Every score row returned so far, in order. */
    public List<float[]> rows() {
        List<float[]> rows = new ArrayList<>();
        for (float[][] b : batches) {
            rows.addAll(List.of(b));
        }
        return rows;
    }

    public Classifier replay() {
        return new Classifier() {
            private int next;

            @Override
            public float[][] classify(float[][] patches) {
                if (next >= batches.size() || batches.get(next).length != patches.length) {
                    throw new IllegalStateException("replay diverged from the recorded calls at batch " + next);
                }
                return batches.get(next++);
            }

            @Override
            public void close() {}
        };
    }

    /** Does not close the wrapped classifier, which its owner closes. */
    @Override
    public void close() {}
}
