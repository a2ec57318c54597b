package org.earshot.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Offsets from synthetic calibrator recordings of known level, and every kind of unusable recording refused. */
class ToneCalibrationTest {
    private static float[] tone(int rate, double seconds, double hz, double amplitude) {
        float[] x = new float[(int) Math.round(seconds * rate)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate + 0.3));
        }
        return x;
    }

    private static float[] plusNoise(float[] x, double rms, long seed) {
        Random random = new Random(seed);
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] += (float) (rms * random.nextGaussian());
        }
        return y;
    }

    private static ToneCalibration.Failure refused(float[] x, int rate, double db, double hz,
            ToneCalibration.Reason reason, String inMessage) {
        ToneCalibration.Failure f = assertThrows(ToneCalibration.Failure.class,
                () -> ToneCalibration.measure(x, rate, db, hz));
        assertEquals(reason, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains(inMessage), f.getMessage());
        return f;
    }

    @ParameterizedTest
    @CsvSource({"16000, 0.1, 94", "48000, 0.1, 94", "44100, 0.5, 114", "48000, 0.01, 94", "8000, 0.3, 94"})
    void offsetOfAKnownTone(int rate, double amplitude, double referenceDb) throws Exception {
        ToneCalibration.Result r = ToneCalibration.measure(tone(rate, 10, 1000, amplitude), rate, referenceDb, 1000);
        // RMS of a sine is amplitude / sqrt(2): 0.1 reads -23.01 dBFS, so 94 dB SPL gives 117.01 dB.
        double expectedDbfs = 20 * Math.log10(amplitude / Math.sqrt(2));
        assertEquals(expectedDbfs, r.levelDbfs(), 0.01);
        assertEquals(referenceDb - expectedDbfs, r.offsetDb(), 0.1);
        assertEquals(1000, r.toneHz(), 1.0);
        // A-weighting is 0 dB at 1 kHz: the service's LAeq of the same tone agrees with the unweighted level.
        assertEquals(0, r.aWeightingDb(), 0.01);
        assertEquals(r.levelDbfs(), r.laeqDbfs(), 0.05);
        // The sample peak misses the sine's crest by up to half a sample: at 8 samples per period, 0.7 dB.
        assertTrue(r.peakDbfs() <= 20 * Math.log10(amplitude) + 0.01 && r.peakDbfs() > 20 * Math.log10(amplitude)
                - 0.7, "peak " + r.peakDbfs());
        assertTrue(r.spreadDb() < 0.05, "spread " + r.spreadDb());
        assertEquals(1.0, r.measuredFromSeconds(), 1e-9);
        assertEquals(8.0, r.measuredSeconds(), 1e-3);
    }

    @Test
    void otherFrequencyUsesTheUnweightedLevelAndReportsTheWeighting() throws Exception {
        ToneCalibration.Result r = ToneCalibration.measure(tone(48000, 8, 250, 0.2), 48000, 94, 250);
        double expectedDbfs = 20 * Math.log10(0.2 / Math.sqrt(2));
        assertEquals(94 - expectedDbfs, r.offsetDb(), 0.1);
        // IEC 61672: A(250 Hz) = -8.6 dB; LAeq reads that much lower, the offset does not depend on it.
        assertEquals(-8.6, r.aWeightingDb(), 0.2);
        assertEquals(expectedDbfs - 8.6, r.laeqDbfs(), 0.2);
    }

    @Test
    void toleratesDcOffsetQuietBackgroundAndASlightlyOffFrequency() throws Exception {
        float[] x = plusNoise(tone(16000, 10, 1008, 0.1), 0.1 / Math.sqrt(2) * 0.01, 1); // background at -40 dB
        for (int i = 0; i < x.length; i++) {
            x[i] += 0.05f; // a MEMS microphone's DC offset is not sound
        }
        ToneCalibration.Result r = ToneCalibration.measure(x, 16000, 94, 1000);
        assertEquals(94 - 20 * Math.log10(0.1 / Math.sqrt(2)), r.offsetDb(), 0.1);
        assertEquals(1008, r.toneHz(), 1.0);
        assertTrue(r.toneToRestDb() > 30, "tone to rest " + r.toneToRestDb());
    }

    @Test
    void edgesAreSkipped() throws Exception {
        // Fitting the calibrator: a loud bump in the first half second and silence at the end are not measured.
        float[] x = tone(16000, 10, 1000, 0.1);
        for (int i = 0; i < 8000; i++) {
            x[i] = (float) (0.9 * Math.sin(i * 0.01));
        }
        java.util.Arrays.fill(x, x.length - 12000, x.length, 0f);
        ToneCalibration.Result r = ToneCalibration.measure(x, 16000, 94, 1000);
        assertEquals(94 - 20 * Math.log10(0.1 / Math.sqrt(2)), r.offsetDb(), 0.1);
    }

    @Test
    void tooShort() {
        refused(tone(16000, 4.9, 1000, 0.1), 16000, 94, 1000, ToneCalibration.Reason.TOO_SHORT, "4.90 s long");
    }

    @Test
    void clipped() {
        float[] x = tone(16000, 10, 1000, 1.5);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(-1f, Math.min(1f, x[i]));
        }
        refused(x, 16000, 94, 1000, ToneCalibration.Reason.CLIPPED, "clipped");
    }

    @Test
    void noiseOnly() {
        float[] noise = plusNoise(new float[16000 * 10], 0.05, 7);
        refused(noise, 16000, 94, 1000, ToneCalibration.Reason.NO_TONE, "no tone at 1000 Hz");
    }

    @Test
    void silence() {
        refused(new float[16000 * 10], 16000, 94, 1000, ToneCalibration.Reason.NO_TONE, "digital silence");
    }

    @Test
    void toneDrownedInNoise() {
        // The tone is the strongest frequency but only 10 dB above the rest: its level would be 0.4 dB too high.
        float[] x = plusNoise(tone(16000, 10, 1000, 0.1), 0.1 / Math.sqrt(2) / Math.sqrt(10), 3);
        refused(x, 16000, 94, 1000, ToneCalibration.Reason.NO_TONE, "only");
    }

    @Test
    void wrongFrequency() {
        refused(tone(16000, 10, 500, 0.1), 16000, 94, 1000, ToneCalibration.Reason.WRONG_FREQUENCY,
                "the tone is at 500.0 Hz");
    }

    @Test
    void unstableLevel() {
        float[] x = tone(16000, 10, 1000, 0.1);
        for (int i = x.length / 2; i < x.length; i++) {
            x[i] *= 1.2f; // +1.6 dB halfway through: the calibrator slipped
        }
        refused(x, 16000, 94, 1000, ToneCalibration.Reason.UNSTABLE, "not steady");
    }

    @Test
    void offsetOutsideWhatAMicrophoneGives() {
        // 160 dB SPL read at -63 dBFS would be an offset of 223 dB: a wrong --reference-db, not a microphone.
        refused(tone(16000, 10, 1000, 0.001), 16000, 160, 1000, ToneCalibration.Reason.OFFSET_OUT_OF_RANGE,
                "223.");
    }

    @Test
    void badParameters() {
        float[] x = tone(16000, 10, 1000, 0.1);
        assertThrows(IllegalArgumentException.class, () -> ToneCalibration.measure(x, 16000, Double.NaN, 1000));
        assertThrows(IllegalArgumentException.class, () -> ToneCalibration.measure(x, 16000, 200, 1000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToneCalibration.measure(x, 16000, 94, 8000));
        assertTrue(e.getMessage().contains("7200"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ToneCalibration.measure(x, 4000, 94, 1000));
    }
}
