package org.earshot.dsp;

import java.util.Locale;
import java.util.Objects;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Computes a microphone's calibration offset ({@code dB SPL = dBFS + offset}, see {@link Calibration}) from a
 * recording, made with the sensor's own microphone and capture gain, of a tone of known sound pressure level: an
 * acoustic calibrator (typically 94 dB SPL at 1 kHz) or a tone whose level a reference meter measured. The first and
 * last {@value #EDGE_SECONDS} s are skipped (fitting and switching the calibrator); the rest must be clean: long
 * enough, not clipped, dominated by one tone within {@value #FREQUENCY_TOLERANCE_PERCENT}% of the reference
 * frequency, and steady. Anything else is refused with a {@link Failure} saying what was wrong, because a wrong
 * offset silently shifts every level the service reports.
 *
 * <p>The offset is the reference level minus the <em>unweighted</em> RMS level of the measured part (DC removed). It
 * is the sensitivity of the microphone chain, which the service then applies to its A-weighted LAeq and its
 * unweighted peaks alike; measuring it unweighted makes it independent of the tone's frequency. At 1 kHz the
 * A-weighting is 0 dB, so the A-weighted level the service publishes for the same tone ({@link Result#laeqDbfs()},
 * reported for comparison) agrees with it to a few hundredths of a dB.
 */
public final class ToneCalibration {
    /** Seconds skipped at each end of the recording. */
    public static final double EDGE_SECONDS = 1.0;
    /** Seconds that must remain to be measured after the edges are skipped. */
    public static final double MIN_MEASURED_SECONDS = 3.0;
    /** Length of the blocks whose levels must agree. */
    public static final double BLOCK_SECONDS = 0.5;
    /** Largest difference between the loudest and the quietest block; a calibrator holds its level within 0.1 dB. */
    public static final double MAX_SPREAD_DB = 0.5;
    /** Samples at or above this magnitude (-0.01 dBFS) count as clipped. */
    public static final double CLIP_LEVEL = 0.999;
    /** How far the tone may lie from the reference frequency (calibrators are within 1%, sample clocks better). */
    public static final double FREQUENCY_TOLERANCE_PERCENT = 3.0;
    /**
     * How far everything but the tone must stay below it. Their power adds to the broadband level that gives the
     * offset; 20 dB below, they add at most 0.04 dB.
     */
    public static final double MIN_TONE_TO_REST_DB = 20.0;
    /** Lowest and highest reference levels accepted: beyond them no calibrator or meter reading is plausible. */
    public static final double MIN_REFERENCE_DB = 20.0;
    public static final double MAX_REFERENCE_DB = 160.0;
    /** Reference frequencies accepted, and at most this fraction of the sample rate (A-weighting's accurate range). */
    public static final double MIN_REFERENCE_HZ = 20.0;
    public static final double MAX_REFERENCE_HZ = 20_000.0;
    public static final double MAX_REFERENCE_FRACTION_OF_RATE = 0.45;

    /** The largest FFT used for the frequency check: at 48 kHz 2.7 s of audio, 0.37 Hz per bin. */
    private static final int MAX_FFT_SIZE = 1 << 17;
    /** Bins either side of the peak counted as the tone: a Hann window's main lobe is 2 bins wide each side. */
    private static final int TONE_HALF_WIDTH_BINS = 3;

    private ToneCalibration() {}

    /** Why a recording cannot give an offset. */
    public enum Reason { TOO_SHORT, CLIPPED, NO_TONE, WRONG_FREQUENCY, UNSTABLE, OFFSET_OUT_OF_RANGE }

    /** A recording that cannot give an offset; the message says what was found and what to do. */
    public static final class Failure extends Exception {
        private final Reason reason;

        Failure(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /**
     * The measurement. {@code levelDbfs} is the unweighted RMS level of the measured part, {@code laeqDbfs} its
     * A-weighted level as the service's {@link LevelMeter} would report it, {@code aWeightingDb} the A-weighting at
     * the reference frequency, {@code spreadDb} the difference between the loudest and quietest
     * {@value #BLOCK_SECONDS} s block, and {@code toneToRestDb} how far the rest of the sound lies below the tone
     * (infinite for a perfectly clean tone).
     */
    public record Result(double offsetDb, double referenceDb, double referenceHz, double toneHz, double levelDbfs,
            double laeqDbfs, double aWeightingDb, double peakDbfs, double spreadDb, double toneToRestDb,
            double measuredFromSeconds, double measuredSeconds) {}

    /**
     * Measures {@code samples} (mono, full scale 1.0) at {@code sampleRate} against a tone of {@code referenceDb} dB
     * SPL at {@code referenceHz}.
     *
     * @throws IllegalArgumentException for a reference level, frequency or sample rate outside the accepted ranges
     * @throws Failure when the recording is unsuitable
     */
    public static Result measure(float[] samples, int sampleRate, double referenceDb, double referenceHz)
            throws Failure {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate < AWeighting.MIN_SAMPLE_RATE || sampleRate > AWeighting.MAX_SAMPLE_RATE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the recording's sample rate must be "
                    + "%d..%d Hz, got %d", AWeighting.MIN_SAMPLE_RATE, AWeighting.MAX_SAMPLE_RATE, sampleRate));
        }
        if (!(referenceDb >= MIN_REFERENCE_DB && referenceDb <= MAX_REFERENCE_DB)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the reference level must be %.0f..%.0f "
                    + "dB SPL, got %s", MIN_REFERENCE_DB, MAX_REFERENCE_DB, referenceDb));
        }
        double maxHz = Math.min(MAX_REFERENCE_HZ, MAX_REFERENCE_FRACTION_OF_RATE * sampleRate);
        if (!(referenceHz >= MIN_REFERENCE_HZ && referenceHz <= maxHz)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the reference frequency must be "
                    + "%.0f..%.0f Hz for a recording at %d Hz, got %s", MIN_REFERENCE_HZ, maxHz, sampleRate,
                    referenceHz));
        }

        int edge = (int) Math.round(EDGE_SECONDS * sampleRate);
        int minMeasured = (int) Math.round(MIN_MEASURED_SECONDS * sampleRate);
        if (samples.length < 2 * edge + minMeasured) {
            throw new Failure(Reason.TOO_SHORT, String.format(Locale.ROOT, "the recording is %.2f s long; it needs "
                    + "at least %.0f s (%.0f s skipped at each end, %.0f s measured): record 10 s or more of the "
                    + "tone", samples.length / (double) sampleRate, 2 * EDGE_SECONDS + MIN_MEASURED_SECONDS,
                    EDGE_SECONDS, MIN_MEASURED_SECONDS));
        }
        int from = edge;
        int to = samples.length - edge;
        double seconds = (to - from) / (double) sampleRate;

        checkNotClipped(samples, from, to, sampleRate, referenceDb);

        double mean = 0;
        for (int i = from; i < to; i++) {
            mean += samples[i];
        }
        mean /= to - from;
        double sumSquares = 0;
        float peak = 0;
        for (int i = from; i < to; i++) {
            double x = samples[i] - mean;
            sumSquares += x * x;
            peak = Math.max(peak, Math.abs(samples[i]));
        }
        if (sumSquares == 0) {
            throw new Failure(Reason.NO_TONE, String.format(Locale.ROOT, "no tone at %s Hz: the recording is "
                    + "digital silence (is the microphone connected and the capture channel unmuted?)",
                    trim(referenceHz)));
        }
        double levelDbfs = Levels.meanSquareToDb(sumSquares / (to - from));

        double[] tone = dominantTone(samples, from, to, mean, sampleRate);
        double toneHz = tone[0];
        double toneToRestDb = tone[1];
        double deviationPercent = 100 * Math.abs(toneHz - referenceHz) / referenceHz;
        if (deviationPercent > FREQUENCY_TOLERANCE_PERCENT) {
            if (toneToRestDb < MIN_TONE_TO_REST_DB) {
                throw new Failure(Reason.NO_TONE, String.format(Locale.ROOT, "no tone at %s Hz: the recording "
                        + "(%.1f dBFS) is mostly noise; its strongest frequency, %.0f Hz, is only %.1f dB above the "
                        + "rest (is the calibrator on the microphone and switched on?)", trim(referenceHz),
                        levelDbfs, toneHz, toneToRestDb));
            }
            throw new Failure(Reason.WRONG_FREQUENCY, String.format(Locale.ROOT, "the tone is at %.1f Hz, not "
                    + "within %.0f%% of the reference %s Hz (wrong --reference-hz, another source, or a sample rate "
                    + "in the WAV header that is not the device's real rate)", toneHz, FREQUENCY_TOLERANCE_PERCENT,
                    trim(referenceHz)));
        }
        if (toneToRestDb < MIN_TONE_TO_REST_DB) {
            throw new Failure(Reason.NO_TONE, String.format(Locale.ROOT, "the %.1f Hz tone is only %.1f dB above "
                    + "the rest of the sound; it needs %.0f dB for an accurate level (fit the calibrator tightly, "
                    + "record somewhere quieter, or play the tone louder)", toneHz, toneToRestDb,
                    MIN_TONE_TO_REST_DB));
        }

        double spreadDb = checkSteady(samples, from, to, mean, sampleRate);

        AWeighting weighting = new AWeighting(sampleRate);
        double weightedSquares = 0;
        // The filter runs from the first sample so that its start-up transient has died out by the measured part.
        for (int i = 0; i < to; i++) {
            double y = weighting.process(samples[i]);
            if (i >= from) {
                weightedSquares += y * y;
            }
        }
        double laeqDbfs = Levels.meanSquareToDb(weightedSquares / (to - from));
        double aWeightingDb = Levels.amplitudeToDb(weighting.magnitudeAt(referenceHz));

        double offsetDb = referenceDb - levelDbfs;
        if (!(offsetDb >= Calibration.MIN_OFFSET_DB && offsetDb <= Calibration.MAX_OFFSET_DB)) {
            throw new Failure(Reason.OFFSET_OUT_OF_RANGE, String.format(Locale.ROOT, "the offset would be %.2f dB "
                    + "(%s dB SPL at %.2f dBFS), outside the %.0f..%.0f dB a working microphone chain gives: check "
                    + "--reference-db", offsetDb, trim(referenceDb), levelDbfs, Calibration.MIN_OFFSET_DB,
                    Calibration.MAX_OFFSET_DB));
        }
        return new Result(offsetDb, referenceDb, referenceHz, toneHz, levelDbfs, laeqDbfs, aWeightingDb,
                Levels.amplitudeToDb(peak), spreadDb, toneToRestDb, from / (double) sampleRate, seconds);
    }

    private static void checkNotClipped(float[] samples, int from, int to, int sampleRate, double referenceDb)
            throws Failure {
        int clipped = 0;
        int first = -1;
        for (int i = from; i < to; i++) {
            if (Math.abs(samples[i]) >= CLIP_LEVEL) {
                if (first < 0) {
                    first = i;
                }
                clipped++;
            }
        }
        if (clipped > 0) {
            throw new Failure(Reason.CLIPPED, String.format(Locale.ROOT, "the recording is clipped: %d sample(s) "
                    + "at full scale, the first at %.3f s. The capture gain is too high for a %s dB SPL source; "
                    + "lower it, store it (alsactl store) and record again", clipped, first / (double) sampleRate,
                    trim(referenceDb)));
        }
    }

    /**
     * The strongest frequency of the measured part (Hann-windowed FFT over its middle, refined by parabolic
     * interpolation of the log power) and how far the rest of the power lies below the bins around it, in dB.
     */
    private static double[] dominantTone(float[] samples, int from, int to, double mean, int sampleRate) {
        int n = Math.min(MAX_FFT_SIZE, Integer.highestOneBit(to - from));
        int start = from + (to - from - n) / 2;
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n);
            a[i] = (samples[start + i] - mean) * hann;
        }
        new DoubleFFT_1D(n).realForward(a);
        int bins = n / 2;
        double[] power = new double[bins];
        for (int k = 1; k < bins; k++) {
            power[k] = a[2 * k] * a[2 * k] + a[2 * k + 1] * a[2 * k + 1];
        }
        // Bin 0 is what is left of DC after removing the mean; it is not sound.
        int peak = 1;
        double total = 0;
        for (int k = 1; k < bins; k++) {
            total += power[k];
            if (power[k] > power[peak]) {
                peak = k;
            }
        }
        double toneBins = 0;
        for (int k = Math.max(1, peak - TONE_HALF_WIDTH_BINS); k <= Math.min(bins - 1, peak + TONE_HALF_WIDTH_BINS);
                k++) {
            toneBins += power[k];
        }
        double rest = total - toneBins;
        double toneToRestDb = rest <= 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(toneBins / rest);
        double refined = peak;
        if (peak > 1 && peak < bins - 1 && power[peak - 1] > 0 && power[peak + 1] > 0) {
            double l = Math.log(power[peak - 1]);
            double c = Math.log(power[peak]);
            double r = Math.log(power[peak + 1]);
            double denominator = l - 2 * c + r;
            if (denominator < 0) {
                refined = peak + 0.5 * (l - r) / denominator;
            }
        }
        return new double[] {refined * sampleRate / n, toneToRestDb};
    }

    /** Returns the spread of the block levels, or fails when it is over {@link #MAX_SPREAD_DB}. */
    private static double checkSteady(float[] samples, int from, int to, double mean, int sampleRate)
            throws Failure {
        int block = (int) Math.round(BLOCK_SECONDS * sampleRate);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int quietest = from;
        int loudest = from;
        for (int b = from; b + block <= to; b += block) {
            double sum = 0;
            for (int i = b; i < b + block; i++) {
                double x = samples[i] - mean;
                sum += x * x;
            }
            double level = sum == 0 ? Double.NEGATIVE_INFINITY : Levels.meanSquareToDb(sum / block);
            if (level < min) {
                min = level;
                quietest = b;
            }
            if (level > max) {
                max = level;
                loudest = b;
            }
        }
        double spread = max - min;
        if (!(spread <= MAX_SPREAD_DB)) {
            throw new Failure(Reason.UNSTABLE, String.format(Locale.ROOT, "the level is not steady: %.1f s blocks "
                    + "range from %.2f dBFS (at %.1f s) to %.2f dBFS (at %.1f s), %.2f dB apart; at most %.1f dB "
                    + "is accepted (keep the calibrator still and the surroundings quiet, and record again)",
                    BLOCK_SECONDS, min, quietest / (double) sampleRate, max, loudest / (double) sampleRate, spread,
                    MAX_SPREAD_DB));
        }
        return spread;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%s", value);
    }
}
