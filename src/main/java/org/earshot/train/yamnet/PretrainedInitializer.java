package org.earshot.train.yamnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * Gives a parameter its imported value when DJL initializes the block, so that the ordinary
 * {@code model.setBlock(block); block.initialize(...)} (or {@code trainer.initialize(...)}) sequence yields the
 * pretrained network with arrays owned by the caller's manager. The shape DJL infers is checked against the imported
 * one: a mismatch means the block and the weights disagree and must not be papered over.
 */
final class PretrainedInitializer implements Initializer {
    private final String source;
    private final Shape shape;
    private final float[] values;

    PretrainedInitializer(String source, Shape shape, float[] values) {
        if (shape.size() != values.length) {
            throw new IllegalArgumentException(source + ": " + values.length + " values for shape " + shape);
        }
        this.source = source;
        this.shape = shape;
        this.values = values;
    }

    static PretrainedInitializer constant(String source, Shape shape, float value) {
        float[] values = new float[Math.toIntExact(shape.size())];
        java.util.Arrays.fill(values, value);
        return new PretrainedInitializer(source, shape, values);
    }

    @Override
    public NDArray initialize(NDManager manager, Shape requested, DataType dataType) {
        if (!shape.equals(requested)) {
            throw new IllegalStateException("parameter from " + source + " has shape " + shape
                    + " but the block asks for " + requested + " (was it initialized with an input shape other than"
                    + " N x 1 x 64 x 96?)");
        }
        NDArray array = manager.create(values, shape);
        return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
    }

    String source() {
        return source;
    }

    Shape shape() {
        return shape;
    }
}
