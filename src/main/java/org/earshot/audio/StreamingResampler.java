package org.earshot.audio;

import java.util.Arrays;
import java.util.Objects;

/**
 * Converts the sample rate of a signal that arrives in pieces, such as a live sensor's frames, producing exactly the
 * samples {@link Resampler#resample} would produce for the whole signal at once: the same {@link PolyphaseFilter},
 * the same coefficients in the same order, so the output is bit-identical however the input is cut. An output sample
 * is returned by {@link #process} as soon as every input it depends on has arrived, so the output lags the input by
 * the filter's half-width (about 3.6 ms when converting 48 kHz to 16 kHz); {@link #flush} ends the signal, treating
 * it as zero beyond the last input as the block resampler does, and returns the rest. Only the input history the
 * filter still needs is kept, in a buffer of fixed size, so memory does not grow with the length of the stream or
 * of a piece. Not thread-safe: one instance serves one stream, fed by one thread at a time.
 */
public final class StreamingResampler {
    /**
     * Input samples taken into the history per pass. Large pieces are worked through in passes of this size, so the
     * history buffer stays small whatever the piece length.
     */
    private static final int PASS_SAMPLES = 4096;
    private static final float[] NO_SAMPLES = new float[0];

    private final int fromRate;
    private final int toRate;
    /** Null for equal rates, which pass samples through. */
    private final PolyphaseFilter filter;
    /** Inputs {@code historyStart .. historyStart + historyLength - 1}, the oldest ones the next output still needs. */
    private final float[] history;
    private long historyStart;
    private int historyLength;
    private long inputSamples;
    private long outputSamples;
    /** Integer part and remainder (in 1/up input samples) of the next output's position in the input. */
    private long nextBase;
    private int nextRemainder;
    private boolean flushed;

    public StreamingResampler(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
        this.fromRate = fromRate;
        this.toRate = toRate;
        this.filter = fromRate == toRate ? null : PolyphaseFilter.of(fromRate, toRate);
        // The next output never needs more than taps - 1 retained inputs, so a pass always finds room.
        this.history = filter == null ? NO_SAMPLES : new float[filter.taps() + PASS_SAMPLES];
    }

    public int fromRate() {
        return fromRate;
    }

    public int toRate() {
        return toRate;
    }

    /** Input samples taken so far. */
    public long inputSamples() {
        return inputSamples;
    }

    /** Output samples returned so far. */
    public long outputSamples() {
        return outputSamples;
    }

    /**
     * Takes {@code in[from..to)} as the next input samples and returns the output samples that became final, possibly
     * none. The input array is not kept.
     */
    public float[] process(float[] in, int from, int to) {
        Objects.requireNonNull(in, "in");
        Objects.checkFromToIndex(from, to, in.length);
        requireNotFlushed();
        if (filter == null) {
            inputSamples += to - from;
            outputSamples += to - from;
            return Arrays.copyOfRange(in, from, to);
        }
        int count = finalOutputsOnceTaken(to - from);
        float[] out = count == 0 ? NO_SAMPLES : new float[count];
        int written = 0;
        for (int start = from; start < to; ) {
            int n = Math.min(to - start, history.length - historyLength);
            System.arraycopy(in, start, history, historyLength, n);
            historyLength += n;
            inputSamples += n;
            start += n;
            written = emitFinal(out, written);
            discardUnneeded();
        }
        return out;
    }

    /**
     * Ends the signal and returns the remaining output, computed as if the input were zero beyond its end, so that
     * all output together has {@link Resampler#outputLength} samples. The resampler cannot be used afterwards.
     */
    public float[] flush() {
        requireNotFlushed();
        flushed = true;
        if (filter == null) {
            return NO_SAMPLES;
        }
        float[] out = new float[(int) (totalOutputs() - outputSamples)];
        int halfWidth = filter.halfWidth();
        for (int i = 0; i < out.length; i++) {
            long first = nextBase - halfWidth + 1;
            int kLo = (int) Math.max(0, -first);
            int kHi = (int) Math.max(kLo, Math.min(filter.taps(), inputSamples - first));
            out[i] = filter.apply(nextRemainder, history, (int) (first + kLo - historyStart), kLo, kHi);
            advance();
        }
        return out;
    }

    /** Package-private for tests: input samples currently retained. */
    int retainedSamples() {
        return historyLength;
    }

    /** Package-private for tests: size of the history buffer, fixed for the resampler's life. */
    int historyCapacity() {
        return history.length;
    }

    /**
     * Outputs that will be final once {@code more} samples are taken: those whose last tap, at base + halfWidth,
     * falls inside the input. Counted in closed form from the next output's position so the result array is
     * allocated once, at its exact size.
     */
    private int finalOutputsOnceTaken(int more) {
        long lastUsableBase = inputSamples + more - filter.halfWidth() - 1;
        long room = (lastUsableBase - nextBase + 1) * filter.up() - nextRemainder;
        return room <= 0 ? 0 : (int) ((room + filter.down() - 1) / filter.down());
    }

    /** {@link Resampler#outputLength} for the whole stream, from the reduced ratio, which rounds identically. */
    private long totalOutputs() {
        long twiceScaled = Math.multiplyExact(2 * inputSamples, (long) filter.up());
        return Math.addExact(twiceScaled, filter.down()) / (2L * filter.down());
    }

    private int emitFinal(float[] out, int written) {
        int halfWidth = filter.halfWidth();
        int taps = filter.taps();
        while (nextBase + halfWidth < inputSamples) {
            long first = nextBase - halfWidth + 1;
            int kLo = (int) Math.max(0, -first);
            out[written++] = filter.apply(nextRemainder, history, (int) (first + kLo - historyStart), kLo, taps);
            advance();
        }
        return written;
    }

    private void advance() {
        long position = nextRemainder + (long) filter.down();
        nextBase += position / filter.up();
        nextRemainder = (int) (position % filter.up());
        outputSamples++;
    }

    /**
     * Drops inputs older than the next output's first tap. That tap never lies beyond the received input: the
     * half-width spans more than one output period at every ratio, so nothing not yet received is ever skipped.
     */
    private void discardUnneeded() {
        long keepFrom = Math.max(0, nextBase - filter.halfWidth() + 1);
        int drop = (int) (keepFrom - historyStart);
        if (drop > 0) {
            System.arraycopy(history, drop, history, 0, historyLength - drop);
            historyLength -= drop;
            historyStart = keepFrom;
        }
    }

    private void requireNotFlushed() {
        if (flushed) {
            throw new IllegalStateException("the resampler was flushed; start a new one for a new stream");
        }
    }
}
