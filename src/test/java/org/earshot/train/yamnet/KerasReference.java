package org.earshot.train.yamnet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.Arrays;

/**
 * A deliberately naive, double-precision interpreter of the Keras layers YAMNet uses, written straight from the Keras
 * semantics: channels-last tensors, TensorFlow "same" padding, kernels indexed exactly as stored, Permute done by
 * really permuting. It shares no code with the importer, so agreement between the two is evidence that the importer's
 * transposed layout, padding and weight reordering are right.
 */
final class KerasReference {
    /** Weights as Keras stores them: top-level layer group, layer name, variable name. */
    interface Weights {
        float[] get(String group, String layer, String var);
    }

    private final JsonObject config;
    private final Weights weights;

    KerasReference(JsonObject config, Weights weights) {
        this.config = config;
        this.weights = weights;
    }

    /**
     * Runs the model on one patch given mel-major ({@code patch[mel * 96 + frame]}); the patch is laid out as the
     * model's input layer declares it (64 x 96: mels x frames, or 96 x 64: frames x mels).
     */
    double[] run(float[] patch) {
        Tensor out = container(config, null, new Tensor[] {null}, patch);
        return out.data;
    }

    /** A channels-last activation; rank 1 tensors have h = w = 1 and flat = true. */
    private record Tensor(int h, int w, int c, double[] data, boolean flat) {
        double at(int y, int x, int ch) {
            return data[(y * w + x) * c + ch];
        }
    }

    private Tensor container(JsonObject model, String group, Tensor[] holder, float[] patch) {
        JsonObject cfg = model.getAsJsonObject("config");
        Tensor x = holder[0];
        for (JsonElement e : cfg.getAsJsonArray("layers")) {
            JsonObject layer = e.getAsJsonObject();
            String name = layer.getAsJsonObject("config").get("name").getAsString();
            x = layer(layer, group == null ? name : group, x, patch);
        }
        return x;
    }

    private Tensor layer(JsonObject layer, String group, Tensor x, float[] patch) {
        String cls = layer.get("class_name").getAsString();
        JsonObject cfg = layer.getAsJsonObject("config");
        String name = cfg.get("name").getAsString();
        switch (cls) {
            case "Sequential", "Functional", "Model" -> {
                return container(layer, group, new Tensor[] {x}, patch);
            }
            case "InputLayer" -> {
                JsonArray s = cfg.getAsJsonArray("batch_input_shape");
                int h = s.get(1).getAsInt();
                int w = s.get(2).getAsInt();
                if (x != null) {
                    if (x.h != h || x.w != w) {
                        throw new IllegalStateException("nested input " + h + "x" + w + " gets " + x.h + "x" + x.w);
                    }
                    return x;
                }
                double[] d = new double[h * w];
                for (int mel = 0; mel < 64; mel++) {
                    for (int frame = 0; frame < 96; frame++) {
                        int idx = h == 64 ? mel * w + frame : frame * w + mel;
                        d[idx] = patch[mel * 96 + frame];
                    }
                }
                return new Tensor(h, w, 1, d, false);
            }
            case "Permute" -> {
                double[] d = new double[x.data.length];
                for (int y = 0; y < x.h; y++) {
                    for (int xx = 0; xx < x.w; xx++) {
                        for (int ch = 0; ch < x.c; ch++) {
                            d[(xx * x.h + y) * x.c + ch] = x.at(y, xx, ch);
                        }
                    }
                }
                return new Tensor(x.w, x.h, x.c, d, false);
            }
            case "Conv2D", "DepthwiseConv2D" -> {
                boolean depthwise = cls.equals("DepthwiseConv2D");
                int[] k = ints(cfg.getAsJsonArray("kernel_size"));
                int[] s = ints(cfg.getAsJsonArray("strides"));
                boolean same = cfg.get("padding").getAsString().equals("same");
                int multiplier = depthwise && cfg.has("depth_multiplier") ? cfg.get("depth_multiplier").getAsInt() : 1;
                int outC = depthwise ? x.c * multiplier : cfg.get("filters").getAsInt();
                float[] kernel = weights.get(group, name, depthwise ? "depthwise_kernel" : "kernel");
                float[] bias = cfg.get("use_bias").getAsBoolean() ? weights.get(group, name, "bias") : null;
                int oh = same ? ceilDiv(x.h, s[0]) : (x.h - k[0]) / s[0] + 1;
                int ow = same ? ceilDiv(x.w, s[1]) : (x.w - k[1]) / s[1] + 1;
                int padTop = same ? Math.max((oh - 1) * s[0] + k[0] - x.h, 0) / 2 : 0;
                int padLeft = same ? Math.max((ow - 1) * s[1] + k[1] - x.w, 0) / 2 : 0;
                double[] d = new double[oh * ow * outC];
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int o = 0; o < outC; o++) {
                            double sum = bias == null ? 0 : bias[o];
                            for (int ky = 0; ky < k[0]; ky++) {
                                int iy = oy * s[0] + ky - padTop;
                                if (iy < 0 || iy >= x.h) {
                                    continue;
                                }
                                for (int kx = 0; kx < k[1]; kx++) {
                                    int ix = ox * s[1] + kx - padLeft;
                                    if (ix < 0 || ix >= x.w) {
                                        continue;
                                    }
                                    if (depthwise) {
                                        // Output channel o = input channel * multiplier + m, as TensorFlow orders it.
                                        sum += x.at(iy, ix, o / multiplier) * kernel[(ky * k[1] + kx) * outC + o];
                                    } else {
                                        for (int i = 0; i < x.c; i++) {
                                            sum += x.at(iy, ix, i) * kernel[((ky * k[1] + kx) * x.c + i) * outC + o];
                                        }
                                    }
                                }
                            }
                            d[(oy * ow + ox) * outC + o] = sum;
                        }
                    }
                }
                return activation(cfg, new Tensor(oh, ow, outC, d, false));
            }
            case "BatchNormalization" -> {
                double eps = cfg.get("epsilon").getAsDouble();
                float[] gamma = cfg.get("scale").getAsBoolean() ? weights.get(group, name, "gamma") : null;
                float[] beta = cfg.get("center").getAsBoolean() ? weights.get(group, name, "beta") : null;
                float[] mean = weights.get(group, name, "moving_mean");
                float[] var = weights.get(group, name, "moving_variance");
                double[] d = x.data.clone();
                for (int i = 0; i < d.length; i++) {
                    int ch = i % x.c;
                    d[i] = (d[i] - mean[ch]) / Math.sqrt(var[ch] + eps) * (gamma == null ? 1 : gamma[ch])
                            + (beta == null ? 0 : beta[ch]);
                }
                return new Tensor(x.h, x.w, x.c, d, x.flat);
            }
            case "ReLU" -> {
                JsonElement max = cfg.get("max_value");
                double cap = max == null || max.isJsonNull() ? Double.POSITIVE_INFINITY : max.getAsDouble();
                double[] d = Arrays.stream(x.data).map(v -> Math.min(Math.max(v, 0), cap)).toArray();
                return new Tensor(x.h, x.w, x.c, d, x.flat);
            }
            case "GlobalAveragePooling2D" -> {
                double[] d = new double[x.c];
                for (int i = 0; i < x.data.length; i++) {
                    d[i % x.c] += x.data[i] / (x.h * x.w);
                }
                return new Tensor(1, 1, x.c, d, true);
            }
            case "Dropout" -> {
                return x;
            }
            case "Dense" -> {
                int units = cfg.get("units").getAsInt();
                float[] kernel = weights.get(group, name, "kernel");
                float[] bias = cfg.get("use_bias").getAsBoolean() ? weights.get(group, name, "bias") : null;
                double[] d = new double[units];
                for (int o = 0; o < units; o++) {
                    double sum = bias == null ? 0 : bias[o];
                    for (int i = 0; i < x.c; i++) {
                        sum += x.data[i] * kernel[i * units + o];
                    }
                    d[o] = sum;
                }
                return activation(cfg, new Tensor(1, 1, units, d, true));
            }
            default -> throw new IllegalArgumentException("reference does not implement " + cls);
        }
    }

    private static Tensor activation(JsonObject cfg, Tensor x) {
        String activation = cfg.get("activation").getAsString();
        double[] d = x.data.clone();
        switch (activation) {
            case "linear" -> { }
            case "relu" -> {
                for (int i = 0; i < d.length; i++) {
                    d[i] = Math.max(d[i], 0);
                }
            }
            case "softmax" -> {
                double max = Arrays.stream(d).max().orElse(0);
                double sum = 0;
                for (int i = 0; i < d.length; i++) {
                    d[i] = Math.exp(d[i] - max);
                    sum += d[i];
                }
                for (int i = 0; i < d.length; i++) {
                    d[i] /= sum;
                }
            }
            default -> throw new IllegalArgumentException("reference does not implement activation " + activation);
        }
        return new Tensor(x.h, x.w, x.c, d, x.flat);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsInt();
        }
        return v;
    }
}
