package org.earshot.train.yamnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

import java.util.SplittableRandom;

/**
 * Glorot (Xavier) uniform initialization of a Linear weight (out x in), as Keras initializes Dense kernels, drawn from
 * a Java generator with a given seed so that a fine-tuning run is reproducible without touching the engine's global
 * random state.
 */
final class SeededGlorotUniform implements Initializer {
    private final long seed;

    SeededGlorotUniform(long seed) {
        this.seed = seed;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("expected a Linear weight (out x in), got " + shape);
        }
        double limit = Math.sqrt(6.0 / (shape.get(0) + shape.get(1)));
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        NDArray array = manager.create(values, shape);
        return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
    }
}
