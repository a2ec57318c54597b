package org.earshot.audio;

import java.io.Closeable;
import java.io.IOException;

/**
 * A recording read piece by piece as mono samples at its own rate, so that a file of any length is analysed in
 * constant memory ({@code earshot detect}). {@link AudioLoader#open} gives one for a WAV or FLAC file. Errors in the
 * file (truncation, a bad sample) are raised as {@link AudioFormatException} when the reader reaches them.
 */
public interface AudioSource extends Closeable {
    /** Samples per second of the file. */
    int sampleRate();

    /** Mono samples in the file if its header says so, else -1 (e.g. a WAV file written "until end of file"). */
    long declaredSamples();

    /**
     * Reads up to {@code max} mono samples into {@code out} from {@code offset}; returns how many, at least one, or
     * -1 at the end of the recording.
     */
    int read(float[] out, int offset, int max) throws IOException;

    /** A clip held in memory, read in pieces. */
    static AudioSource of(AudioClip clip) {
        return new AudioSource() {
            private int position;

            @Override
            public int sampleRate() {
                return clip.sampleRate();
            }

            @Override
            public long declaredSamples() {
                return clip.samples().length;
            }

            @Override
            public int read(float[] out, int offset, int max) {
                int n = Math.min(max, clip.samples().length - position);
                if (n <= 0) {
                    return -1;
                }
                System.arraycopy(clip.samples(), position, out, offset, n);
                position += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
    }
}
