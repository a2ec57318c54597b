package org.earshot.dsp;

/**
 * The conversion from a sensor's digital level to sound pressure level: {@code dB SPL = dBFS + offsetDb}, as measured
 * with a reference source (a 94 dB SPL calibrator reading -3 dBFS gives an offset of 97 dB). Offsets outside
 * {@value #MIN_OFFSET_DB}..{@value #MAX_OFFSET_DB} dB cannot come from a working microphone chain and are rejected
 * rather than producing impossible levels.
 */
public record Calibration(double offsetDb) {
    public static final double MIN_OFFSET_DB = -50;
    public static final double MAX_OFFSET_DB = 200;

    public Calibration {
        if (!(offsetDb >= MIN_OFFSET_DB && offsetDb <= MAX_OFFSET_DB)) {
            throw new IllegalArgumentException("calibration offset " + offsetDb + " dB is not a number in "
                    + MIN_OFFSET_DB + ".." + MAX_OFFSET_DB + " dB");
        }
    }

    /** Sound pressure level in dB for a level in dBFS; silence (-Infinity) stays -Infinity. */
    public double toSplDb(double dbfs) {
        if (Double.isNaN(dbfs) || dbfs == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("level must be a number or -Infinity, got " + dbfs);
        }
        return dbfs + offsetDb;
    }
}
