package org.earshot.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.pooling.Pool;

import java.util.Arrays;

/**
 * Parameter-free layers as named {@link LambdaBlock}s. The name encodes everything the layer does, so that the ONNX
 * exporter can translate a network built from these plus DJL's Conv2d, BatchNorm, Linear and SequentialBlock without
 * a second description of the architecture. Names: {@code relu}, {@code relu6}, {@code flatten}, {@code gap}
 * (global average pool over H and W, keeping N,C), {@code meanmax} (mean over H, then max plus mean over W, keeping
 * N,C), {@code maxpool:KH,KW,SH,SW}, {@code pad:TOP,BOTTOM,LEFT,RIGHT} (zero padding of H and W in NCHW).
 */
public final class Layers {
    public static final String RELU = "relu";
    public static final String RELU6 = "relu6";
    public static final String FLATTEN = "flatten";
    public static final String GLOBAL_AVG_POOL = "gap";
    public static final String MEAN_MAX_POOL = "meanmax";
    public static final String MAX_POOL_PREFIX = "maxpool:";
    public static final String PAD_PREFIX = "pad:";

    private Layers() {}

    public static LambdaBlock relu() {
        return LambdaBlock.singleton(Activation::relu, RELU);
    }

    public static LambdaBlock relu6() {
        return LambdaBlock.singleton(x -> x.clip(0f, 6f), RELU6);
    }

    public static LambdaBlock flatten() {
        return LambdaBlock.singleton(x -> x.reshape(x.getShape().get(0), -1), FLATTEN);
    }

    /** Mean over the spatial axes of NCHW, giving N x C. */
    public static LambdaBlock globalAvgPool() {
        // PyTorch's NDArray.mean takes one axis at a time.
        return LambdaBlock.singleton(x -> x.mean(new int[] {3}).mean(new int[] {2}), GLOBAL_AVG_POOL);
    }

    /**
     * Global pooling for short events: mean over H (mel bands), then the max plus the mean over W (time), giving N x
     * C. Average pooling over time dilutes a 0.15 s knock in a 0.96 s window; the max keeps it (as in PANNs).
     */
    public static LambdaBlock meanMaxPool() {
        return LambdaBlock.singleton(x -> {
            NDArray overBands = x.mean(new int[] {2});
            return overBands.max(new int[] {2}).add(overBands.mean(new int[] {2}));
        }, MEAN_MAX_POOL);
    }

    /** The global pooling named by {@code kind}: {@code mean} ({@link #globalAvgPool}) or {@code meanmax}. */
    public static LambdaBlock globalPool(String kind) {
        return switch (kind) {
            case "mean" -> globalAvgPool();
            case "meanmax" -> meanMaxPool();
            default -> throw new IllegalArgumentException("pooling must be mean or meanmax, got '" + kind + "'");
        };
    }

    public static LambdaBlock maxPool(int kh, int kw, int sh, int sw) {
        return LambdaBlock.singleton(
                x -> Pool.maxPool2d(x, new Shape(kh, kw), new Shape(sh, sw), new Shape(0, 0), false),
                MAX_POOL_PREFIX + kh + "," + kw + "," + sh + "," + sw);
    }

    /**
     * Zero padding of H and W, possibly asymmetric (Keras "same" padding with stride 2 pads only bottom/right), done
     * with concatenation so it runs on every engine.
     */
    public static LambdaBlock pad(int top, int bottom, int left, int right) {
        return LambdaBlock.singleton(
                x -> {
                    NDArray y = x;
                    y = padAxis(y, 2, top, bottom);
                    y = padAxis(y, 3, left, right);
                    return y;
                },
                PAD_PREFIX + top + "," + bottom + "," + left + "," + right);
    }

    private static NDArray padAxis(NDArray x, int axis, int before, int after) {
        NDArray y = x;
        long[] dims = x.getShape().getShape();
        if (before > 0) {
            long[] d = Arrays.copyOf(dims, dims.length);
            d[axis] = before;
            y = NDArrays.concat(new ai.djl.ndarray.NDList(x.getManager().zeros(new Shape(d), x.getDataType()), y), axis);
        }
        if (after > 0) {
            long[] d = y.getShape().getShape().clone();
            d[axis] = after;
            y = NDArrays.concat(new ai.djl.ndarray.NDList(y, x.getManager().zeros(new Shape(d), x.getDataType())), axis);
        }
        return y;
    }

    /** Parses the integers after the prefix of a layer name such as {@code pad:0,1,0,1}. */
    public static int[] args(String name, String prefix) {
        return Arrays.stream(name.substring(prefix.length()).split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
