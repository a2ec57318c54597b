package org.earshot.detect;

/**
 * Scores log-mel patches for the event classes. A patch is one 0.96 s window: {@code MEL_BANDS x PATCH_FRAMES}
 * values in mel-major order (index {@code mel * PATCH_FRAMES + frame}), matching the network input layout
 * N x 1 x 64 x 96. Implementations return per-class probabilities in [0, 1] in the order of {@link Labels#CLASSES}.
 */
public interface Classifier extends AutoCloseable {
    /** Scores a batch of patches; the result has one row per patch and one column per class. */
    float[][] classify(float[][] patches);

    @Override
    void close();
}
