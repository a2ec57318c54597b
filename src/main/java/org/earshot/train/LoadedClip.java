package org.earshot.train;

import org.earshot.dsp.FrontEndSpec;

/**
 * A manifest clip decoded to 16 kHz mono in RAM, with the span where its event is active. Clips are not trimmed to
 * their events (train-v1 README), so the active span is found from energy: 10 ms blocks within
 * {@link #ACTIVE_RANGE_DB} of the loudest block.
 */
public record LoadedClip(ClipEntry entry, float[] samples, int activeStart, int activeEnd, double activeRms,
        int[] activeBlocks) {
    public static final int BLOCK_SAMPLES = FrontEndSpec.HOP_LENGTH;
    public static final double ACTIVE_RANGE_DB = 20.0;
    private static final int BLOCK = BLOCK_SAMPLES;

    public static LoadedClip of(ClipEntry entry, float[] samples) {
        int blocks = Math.max(1, samples.length / BLOCK);
        double[] energy = new double[blocks];
        double max = 0;
        for (int b = 0; b < blocks; b++) {
            double e = 0;
            int end = Math.min(samples.length, (b + 1) * BLOCK);
            for (int i = b * BLOCK; i < end; i++) {
                e += samples[i] * (double) samples[i];
            }
            energy[b] = e / Math.max(1, end - b * BLOCK);
            max = Math.max(max, energy[b]);
        }
        double floor = max * Math.pow(10, -ACTIVE_RANGE_DB / 10);
        int first = -1;
        int last = -1;
        java.util.List<Integer> active = new java.util.ArrayList<>();
        double sum = 0;
        int count = 0;
        for (int b = 0; b < blocks; b++) {
            if (energy[b] >= floor && max > 0) {
                if (first < 0) {
                    first = b;
                }
                last = b;
                active.add(b);
                sum += energy[b];
                count++;
            }
        }
        if (first < 0) {
            return new LoadedClip(entry, samples, 0, samples.length, 0, new int[] {0});
        }
        return new LoadedClip(entry, samples, first * BLOCK, Math.min(samples.length, (last + 1) * BLOCK),
                Math.sqrt(sum / count), active.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Decodes clips (resampled to 16 kHz) on a few threads; the first unreadable file fails the whole load. */
    public static java.util.List<LoadedClip> loadAll(java.util.List<ClipEntry> entries, int threads)
            throws java.io.IOException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<LoadedClip>> futures = new java.util.ArrayList<>();
            for (ClipEntry e : entries) {
                futures.add(pool.submit(() -> of(e, org.earshot.audio.AudioLoader.load16k(e.file()).samples())));
            }
            java.util.List<LoadedClip> clips = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<LoadedClip> f : futures) {
                clips.add(f.get());
            }
            return clips;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted while loading audio", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof java.io.IOException io ? io
                    : new java.io.IOException("cannot load a clip: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    public double seconds() {
        return samples.length / (double) FrontEndSpec.SAMPLE_RATE;
    }
}
