package org.earshot.audio;

import java.io.IOException;
import java.nio.file.Path;
import org.earshot.dsp.FrontEndSpec;

/**
 * Loads an audio file ready for the front end: decoded by {@link WavReader}, mixed to mono and converted by
 * {@link Resampler} to {@link FrontEndSpec#SAMPLE_RATE}. Files already at that rate are returned as decoded.
 */
public final class AudioLoader {
    private AudioLoader() {}

    /** Reads a WAV file as a 16 kHz mono clip. */
    public static AudioClip load16k(Path path) throws IOException {
        AudioClip clip = WavReader.read(path);
        if (clip.sampleRate() == FrontEndSpec.SAMPLE_RATE) {
            return clip;
        }
        float[] samples = Resampler.resample(clip.samples(), clip.sampleRate(), FrontEndSpec.SAMPLE_RATE);
        if (samples.length == 0) {
            throw new AudioFormatException(path.toString(), "too short to resample to "
                    + FrontEndSpec.SAMPLE_RATE + " Hz (" + clip.samples().length + " samples at "
                    + clip.sampleRate() + " Hz)");
        }
        return new AudioClip(samples, FrontEndSpec.SAMPLE_RATE);
    }
}
