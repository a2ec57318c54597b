package org.earshot.dsp;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Measures a stream's A-weighted equivalent continuous level (LAeq) over consecutive fixed blocks, one second by
 * default, together with the block's unweighted sample peak. Samples may arrive in pieces of any size; each completed
 * block is handed to the sink in order, and the A-weighting filter state runs on across blocks, so block boundaries
 * add no transient. Levels are in dBFS (-Infinity for digital silence); {@link Calibration} converts them to dB SPL.
 * LCpeak (C-weighted peak) is not measured. One instance per stream; not thread-safe.
 */
public final class LevelMeter {
    /** One measured block: its first sample's index in the stream, length and levels. */
    public record Block(long startSample, int samples, double laeqDbfs, double peakDbfs) {}

    private final AWeighting weighting;
    private final int blockSamples;
    private final Consumer<Block> sink;
    private long blockStart;
    private int filled;
    private double sumSquares;
    private float peak;

    /** A meter emitting one-second blocks. */
    public LevelMeter(int sampleRate, Consumer<Block> sink) {
        this(sampleRate, sampleRate, sink);
    }

    public LevelMeter(int sampleRate, int blockSamples, Consumer<Block> sink) {
        this.weighting = new AWeighting(sampleRate);
        if (blockSamples <= 0) {
            throw new IllegalArgumentException("block length must be positive, got " + blockSamples);
        }
        this.blockSamples = blockSamples;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** Feeds {@code samples[from, to)}; emits every block this completes. */
    public void accept(float[] samples, int from, int to) {
        Objects.requireNonNull(samples, "samples");
        if (from < 0 || to > samples.length || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is outside the " + samples.length
                    + " samples");
        }
        for (int i = from; i < to; i++) {
            float x = samples[i];
            double weighted = weighting.process(x);
            sumSquares += weighted * weighted;
            peak = Math.max(peak, Math.abs(x));
            if (++filled == blockSamples) {
                sink.accept(new Block(blockStart, blockSamples, Levels.meanSquareToDb(sumSquares / blockSamples),
                        Levels.amplitudeToDb(peak)));
                blockStart += blockSamples;
                filled = 0;
                sumSquares = 0;
                peak = 0;
            }
        }
    }

    /** Samples received since the last emitted block. */
    public int pendingSamples() {
        return filled;
    }

    /** LAeq in dBFS of a whole signal, from a fresh filter. */
    public static double laeqDbfs(float[] samples, int sampleRate) {
        Objects.requireNonNull(samples, "samples");
        if (samples.length == 0) {
            throw new IllegalArgumentException("an empty signal has no level");
        }
        AWeighting weighting = new AWeighting(sampleRate);
        double sum = 0;
        for (float x : samples) {
            double y = weighting.process(x);
            sum += y * y;
        }
        return Levels.meanSquareToDb(sum / samples.length);
    }
}
