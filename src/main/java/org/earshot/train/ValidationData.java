package org.earshot.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The validation half of a dataset, as a model's training split it (same seed and fraction), decoded into RAM; and
 * the evaluation streams built from it. Training audio is never written anywhere by this class.
 */
public record ValidationData(DatasetManifest manifest, GroupSplit split, List<LoadedClip> clips) {
    /** Event-to-background ratios of the evaluation streams. */
    public static final double[] STREAM_RATIOS_DB = {-6, 0, 6};
    public static final double STREAM_GAP_SECONDS = 8.0;

    public static ValidationData load(Path dataset, long seed, double fraction, int threads) throws IOException {
        return load(dataset, GroupSplit.Spec.fraction(fraction, seed), threads);
    }

    public static ValidationData load(Path dataset, GroupSplit.Spec spec, int threads) throws IOException {
        return load(DatasetManifest.read(dataset), spec, threads);
    }

    /** The validation clips of {@code manifest} (one dataset folder or several read together) under {@code spec}. */
    public static ValidationData load(DatasetManifest manifest, GroupSplit.Spec spec, int threads)
            throws IOException {
        GroupSplit split = spec.apply(manifest.clips());
        return new ValidationData(manifest, split, LoadedClip.loadAll(split.validation(), threads));
    }

    public StreamGenerator.Stream mixedStream(double ratioDb, long seed) {
        return mixedStream(ratioDb, seed, StreamGenerator.BACKGROUND_RMS_DBFS);
    }

    public StreamGenerator.Stream backgroundStream(long seed) {
        return backgroundStream(seed, StreamGenerator.BACKGROUND_RMS_DBFS);
    }

    /** The stream with its background at {@code backgroundDbfs} RMS (a quieter or louder site). */
    public StreamGenerator.Stream mixedStream(double ratioDb, long seed, double backgroundDbfs) {
        return StreamGenerator.generate(clips, ratioDb, STREAM_GAP_SECONDS, seed, backgroundDbfs);
    }

    public StreamGenerator.Stream backgroundStream(long seed, double backgroundDbfs) {
        return StreamGenerator.backgroundOnly(clips, seed, backgroundDbfs);
    }
}
