package org.earshot.train.head;

import org.earshot.train.onnx.OnnxComposer.Dense;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Trains a small multi-label head (one sigmoid output per class) on fixed embeddings, in plain Java: standardised
 * inputs, an optional hidden ReLU layer with dropout, Adam with cosine decay and L2 weight decay, binary
 * cross-entropy with optional label smoothing. Plain Java rather than DJL because the network is tiny: PyTorch's
 * per-step overhead and its spinning threads on a busy 2-core machine cost more than the arithmetic. Returns the
 * layers with the standardisation folded into the first one, ready for {@link org.earshot.train.onnx.OnnxComposer}.
 * Seeded and single-threaded: the same inputs and settings give the same head.
 */
public final class DenseHeadTrainer {
    /**
     * @param hidden units of the hidden layer; 0 for a linear head (logistic regression)
     * @param labelSmoothing targets become {@code y (1 - s) + s / 2}
     */
    public record Settings(int hidden, int epochs, int batchSize, double learningRate, double dropout,
            double weightDecay, double labelSmoothing, long seed) {
        public Settings {
            if (hidden < 0 || hidden > 4096) {
                throw new IllegalArgumentException("hidden units must be in 0..4096, got " + hidden);
            }
            if (epochs < 1 || batchSize < 2) {
                throw new IllegalArgumentException("need epochs >= 1 and batch size >= 2");
            }
            if (!(learningRate > 0 && learningRate < 1)) {
                throw new IllegalArgumentException("learning rate must be in (0, 1), got " + learningRate);
            }
            if (!(dropout >= 0 && dropout < 1) || !(labelSmoothing >= 0 && labelSmoothing < 0.5)
                    || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("need dropout in [0, 1), label smoothing in [0, 0.5), weight "
                        + "decay >= 0");
            }
        }
    }

    private DenseHeadTrainer() {}

    /** A layer's parameters with their gradients and Adam moments; weights input-major ([in][out]). */
    private static final class Layer {
        final int in;
        final int out;
        final boolean relu;
        final float[] w;
        final float[] b;
        final float[] gw;
        final float[] gb;
        final float[] mw;
        final float[] vw;
        final float[] mb;
        final float[] vb;

        Layer(int in, int out, boolean relu, Random rng) {
            this.in = in;
            this.out = out;
            this.relu = relu;
            w = new float[in * out];
            b = new float[out];
            gw = new float[w.length];
            gb = new float[out];
            mw = new float[w.length];
            vw = new float[w.length];
            mb = new float[out];
            vb = new float[out];
            double limit = Math.sqrt(6.0 / (in + out)); // Glorot uniform
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
            }
        }

        /** y = W x + b, x sparse-friendly: accumulated input by input so the inner loop vectorises. */
        void forward(float[] x, float[] y) {
            System.arraycopy(b, 0, y, 0, out);
            for (int i = 0; i < in; i++) {
                float xi = x[i];
                if (xi != 0f) {
                    int row = i * out;
                    for (int o = 0; o < out; o++) {
                        y[o] += xi * w[row + o];
                    }
                }
            }
        }

        /** Adds this example's gradients; returns dL/dx into {@code dx} when not null. */
        void backward(float[] x, float[] dy, float[] dx) {
            for (int o = 0; o < out; o++) {
                gb[o] += dy[o];
            }
            for (int i = 0; i < in; i++) {
                int row = i * out;
                float xi = x[i];
                float acc = 0f;
                for (int o = 0; o < out; o++) {
                    gw[row + o] += xi * dy[o];
                    acc += w[row + o] * dy[o];
                }
                if (dx != null) {
                    dx[i] = acc;
                }
            }
        }

        void step(double lr, double weightDecay, int t, int batch) {
            adam(w, gw, mw, vw, lr, weightDecay, t, batch);
            adam(b, gb, mb, vb, lr, 0, t, batch);
        }

        private static void adam(float[] p, float[] g, float[] m, float[] v, double lr, double weightDecay, int t,
                int batch) {
            double c1 = 1 - Math.pow(0.9, t);
            double c2 = 1 - Math.pow(0.999, t);
            float scale = (float) (lr * Math.sqrt(c2) / c1);
            for (int i = 0; i < p.length; i++) {
                float grad = g[i] / batch + (float) weightDecay * p[i];
                m[i] = 0.9f * m[i] + 0.1f * grad;
                v[i] = 0.999f * v[i] + 0.001f * grad * grad;
                p[i] -= scale * m[i] / ((float) Math.sqrt(v[i]) + 1e-8f);
                g[i] = 0f;
            }
        }

        /** As a dense layer for ONNX: output-major weights. */
        Dense dense() {
            float[] t = new float[w.length];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    t[o * in + i] = w[i * out + o];
                }
            }
            return new Dense(in, out, t, b.clone(), relu);
        }
    }

    public static List<Dense> train(float[][] x, float[][] y, Settings s, PrintStream progress) {
        int n = x.length;
        if (n < s.batchSize()) {
            throw new IllegalArgumentException(n + " examples, fewer than one batch of " + s.batchSize());
        }
        int features = x[0].length;
        int classes = y[0].length;
        float[] mean = new float[features];
        float[] std = new float[features];
        standardisation(x, mean, std);
        Random rng = new Random(s.seed());
        List<Layer> layers = new ArrayList<>();
        if (s.hidden() > 0) {
            layers.add(new Layer(features, s.hidden(), true, rng));
        }
        layers.add(new Layer(s.hidden() > 0 ? s.hidden() : features, classes, false, rng));
        Layer first = layers.get(0);
        Layer last = layers.get(layers.size() - 1);
        int steps = n / s.batchSize();
        int total = steps * s.epochs();
        float keep = (float) (1 - s.dropout());
        float smooth = (float) s.labelSmoothing();
        float[] z = new float[features];
        float[] h = new float[Math.max(1, s.hidden())];
        float[] dh = new float[h.length];
        float[] logits = new float[classes];
        float[] dlogits = new float[classes];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int t = 0;
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            shuffle(order, rng);
            double lossSum = 0;
            for (int step = 0; step < steps; step++) {
                for (int k = 0; k < s.batchSize(); k++) {
                    int i = order[step * s.batchSize() + k];
                    for (int f = 0; f < features; f++) {
                        z[f] = (x[i][f] - mean[f]) / std[f];
                    }
                    float[] top = z;
                    if (layers.size() == 2) {
                        first.forward(z, h);
                        for (int j = 0; j < h.length; j++) {
                            boolean dropped = s.dropout() > 0 && rng.nextFloat() >= keep;
                            h[j] = h[j] > 0 && !dropped ? h[j] / keep : 0f;
                        }
                        top = h;
                    }
                    last.forward(top, logits);
                    for (int c = 0; c < classes; c++) {
                        float target = y[i][c] * (1 - smooth) + smooth / 2;
                        double p = 1 / (1 + Math.exp(-logits[c]));
                        dlogits[c] = (float) (p - target);
                        // Binary cross-entropy on logits, computed stably.
                        lossSum += Math.max(logits[c], 0) - logits[c] * target + Math.log1p(Math.exp(-Math.abs(logits[c])));
                    }
                    if (layers.size() == 2) {
                        last.backward(h, dlogits, dh);
                        for (int j = 0; j < h.length; j++) {
                            dh[j] = h[j] > 0 ? dh[j] / keep : 0f;
                        }
                        first.backward(z, dh, null);
                    } else {
                        last.backward(z, dlogits, null);
                    }
                }
                t++;
                double lr = s.learningRate() * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * t / total)));
                for (Layer l : layers) {
                    l.step(lr, s.weightDecay(), t, s.batchSize());
                }
            }
            if (progress != null && (epoch == 1 || epoch == s.epochs() || epoch % 5 == 0)) {
                progress.printf(Locale.ROOT, "head epoch %d/%d  loss %.4f%n", epoch, s.epochs(),
                        lossSum / ((double) steps * s.batchSize() * classes));
            }
        }
        List<Dense> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(l.dense());
        }
        out.set(0, foldStandardisation(out.get(0), mean, std));
        return out;
    }

    /** The head's sigmoid outputs for one input, as the composed ONNX graph computes them. */
    public static float[] predict(List<Dense> head, float[] x) {
        float[] z = x;
        for (Dense d : head) {
            float[] out = new float[d.out()];
            for (int o = 0; o < d.out(); o++) {
                double s = d.bias()[o];
                for (int i = 0; i < d.in(); i++) {
                    s += d.weight()[o * d.in() + i] * z[i];
                }
                out[o] = d.relu() ? (float) Math.max(0, s) : (float) s;
            }
            z = out;
        }
        float[] p = new float[z.length];
        for (int c = 0; c < z.length; c++) {
            p[c] = (float) (1 / (1 + Math.exp(-z[c])));
        }
        return p;
    }

    /** W ((x - mean) / std) + b = (W / std) x + (b - W (mean / std)). */
    private static Dense foldStandardisation(Dense d, float[] mean, float[] std) {
        float[] w = d.weight().clone();
        float[] b = d.bias().clone();
        for (int o = 0; o < d.out(); o++) {
            double shift = 0;
            for (int i = 0; i < d.in(); i++) {
                w[o * d.in() + i] /= std[i];
                shift += w[o * d.in() + i] * mean[i];
            }
            b[o] -= (float) shift;
        }
        return new Dense(d.in(), d.out(), w, b, d.relu());
    }

    private static void standardisation(float[][] x, float[] mean, float[] std) {
        int features = mean.length;
        double[] sum = new double[features];
        double[] sq = new double[features];
        for (float[] row : x) {
            for (int f = 0; f < features; f++) {
                sum[f] += row[f];
                sq[f] += (double) row[f] * row[f];
            }
        }
        for (int f = 0; f < features; f++) {
            double m = sum[f] / x.length;
            double v = Math.max(0, sq[f] / x.length - m * m);
            mean[f] = (float) m;
            std[f] = (float) Math.max(Math.sqrt(v), 1e-3);
        }
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
