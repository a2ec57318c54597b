package org.earshot.train.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;

/**
 * The small from-scratch CNN: a 3x3 convolution stem, then depthwise-separable stages (as in MobileNet and YAMNet)
 * with max pooling, global average pooling and a linear head giving one logit per class. Input N x 1 x 64 x 96
 * (mel bands x frames). About 4 M multiply-adds per window at width 16, so that a window costs well under a
 * millisecond on one CPU core, which the 500x real-time target needs.
 */
public final class Networks {
    private Networks() {}

    public static Block smallCnn(int classes, int width) {
        return smallCnn(classes, width, "mean");
    }

    /** As {@link #smallCnn(int, int)} with the global pooling of {@link Layers#globalPool}. */
    public static Block smallCnn(int classes, int width, String pooling) {
        SequentialBlock net = new SequentialBlock();
        net.add(conv(width, 3, 1, 1));
        net.add(BatchNorm.builder().build());
        net.add(Layers.relu());
        net.add(Layers.maxPool(2, 2, 2, 2));
        int channels = width;
        for (int stage = 0; stage < 3; stage++) {
            int out = channels * 2;
            net.add(conv(channels, 3, 1, channels)); // depthwise
            net.add(BatchNorm.builder().build());
            net.add(Layers.relu());
            net.add(conv(out, 1, 0, 1)); // pointwise
            net.add(BatchNorm.builder().build());
            net.add(Layers.relu());
            if (stage < 2) {
                net.add(Layers.maxPool(2, 2, 2, 2));
            }
            channels = out;
        }
        net.add(Layers.globalPool(pooling));
        net.add(Dropout.builder().optRate(0.3f).build());
        net.add(Linear.builder().setUnits(classes).build());
        return net;
    }

    private static Conv2d conv(int filters, int kernel, int padding, int groups) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optPadding(new Shape(padding, padding))
                .setFilters(filters).optGroups(groups).optBias(false).build();
    }
}
