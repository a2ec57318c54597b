package org.earshot.train.yamnet;

import ai.djl.nn.LambdaBlock;

import org.earshot.train.nn.Layers;

/**
 * Stand-ins for {@link Layers} blocks that do not run on every engine, with the same names (so the ONNX exporter sees
 * the same layer) and the same result. {@code Layers.globalAvgPool()} takes the mean over axes {2, 3} at once, which
 * DJL's PyTorch engine rejects ("Only 1 axis is support!"); two single-axis means give the identical average.
 * Remove once {@code Layers} itself is engine-neutral.
 */
final class PortableLayers {
    private PortableLayers() {}

    static LambdaBlock globalAvgPool() {
        return LambdaBlock.singleton(x -> x.mean(new int[] {3}).mean(new int[] {2}), Layers.GLOBAL_AVG_POOL);
    }
}
