package org.earshot.audio;

import java.util.Arrays;
import java.util.Objects;

/**
 * One frame of audio from a sensor, protocol version 1: the sample format, rate and channel count, the sensor's
 * sequence number and capture time of the first sample (microseconds since the Unix epoch on the sensor's clock),
 * whether it ends the stream, and the interleaved little-endian PCM exactly as sent. The PCM stays as bytes until a
 * worker calls {@link #monoSamples()}, so the network thread only copies and the frame takes half the memory of
 * floats. The constructor enforces every rule {@link FrameCodec#decode} does, so any frame can be encoded and sent.
 * The frame takes ownership of {@code pcm} without copying it; callers must not modify it afterwards. Equality
 * compares the PCM's content, and {@code toString} never prints it (logs never contain audio).
 */
public record SensorFrame(SampleFormat format, int sampleRate, int channels, boolean endOfStream, long sequence,
        long captureMicros, int samplesPerChannel, byte[] pcm) {

    public SensorFrame {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(pcm, "pcm");
        try {
            FrameCodec.validate(format, sampleRate, channels, endOfStream, sequence, captureMicros, samplesPerChannel,
                    pcm);
        } catch (FrameFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Decodes the PCM at full scale 1.0 (integers divided by 2^15, 2^23 or 2^31; floats as they are, which may exceed
     * 1.0 and are finite by construction) and averages the channels into one.
     */
    /**
     * Samples (of any channel) at digital full scale, where the microphone or its converter clipped: a magnitude of
     * at least {@link #CLIP_LEVEL}, the largest positive value of 16-bit PCM (wider formats reach it too).
     */
    public int clippedSamples() {
        int clipped = 0;
        int bytes = format.bytesPerSample();
        for (int offset = 0, n = samplesPerChannel * channels; n > 0; n--, offset += bytes) {
            if (Math.abs(format.sampleAt(pcm, offset)) >= CLIP_LEVEL) {
                clipped++;
            }
        }
        return clipped;
    }

    /** 32767/32768: full scale of 16-bit PCM, below full scale of every wider format. */
    public static final double CLIP_LEVEL = 32767.0 / 32768.0;

    public float[] monoSamples() {
        float[] mono = new float[samplesPerChannel];
        int bytes = format.bytesPerSample();
        double mixScale = 1.0 / channels;
        int offset = 0;
        for (int i = 0; i < samplesPerChannel; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++, offset += bytes) {
                sum += format.sampleAt(pcm, offset);
            }
            mono[i] = (float) (sum * mixScale);
        }
        return mono;
    }

    /** Length of the audio in seconds. */
    public double durationSeconds() {
        return samplesPerChannel / (double) sampleRate;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SensorFrame f && format == f.format && sampleRate == f.sampleRate
                && channels == f.channels && endOfStream == f.endOfStream && sequence == f.sequence
                && captureMicros == f.captureMicros && samplesPerChannel == f.samplesPerChannel
                && Arrays.equals(pcm, f.pcm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(format, sampleRate, channels, endOfStream, sequence, captureMicros, samplesPerChannel)
                * 31 + Arrays.hashCode(pcm);
    }

    @Override
    public String toString() {
        return "SensorFrame[" + format.wireName() + ", " + sampleRate + " Hz, " + channels + " ch, sequence "
                + sequence + ", captured " + captureMicros + " us, " + samplesPerChannel + " samples/ch"
                + (endOfStream ? ", end of stream" : "") + "]";
    }
}
