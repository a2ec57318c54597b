package org.earshot.testing;

import org.earshot.audio.WavWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A tiny dataset in train-v1's layout (manifest.csv and 16 kHz WAV files) of synthetic sounds: a warbling tone
 * (shout), a decaying 4.5 kHz ring (glass_break), a burst of noise (impact) and quiet noise (background). For
 * training and evaluation tests that must run without the real dataset.
 */
public final class SyntheticDataset {
    public static final int FS = 16_000;

    private SyntheticDataset() {}

    /**
     * Writes the dataset under {@code root}: three groups of two 1.5 s clips per label, enough for a group-disjoint
     * split; returns {@code root}.
     */
    public static Path write(Path root) throws IOException {
        return write(root, "");
    }

    /**
     * As {@link #write(Path)}, with every group id and source prefixed by {@code prefix}, so that two such datasets
     * can be read together without sharing a group.
     */
    public static Path write(Path root, String prefix) throws IOException {
        return write(root, prefix, 1);
    }

    /**
     * As {@link #write(Path, String)}, with the groups dealt to {@code sources} sources ({@code synthetic-0},
     * {@code synthetic-1}, ...; with one, {@code synthetic}), each holding every label.
     */
    public static Path write(Path root, String prefix, int sources) throws IOException {
        Files.createDirectories(root);
        StringBuilder manifest = new StringBuilder("path,label,use,group,source,original_label,seconds,license\n");
        Random rng = new Random(11);
        for (String label : new String[] {"shout", "glass_break", "impact", "background"}) {
            for (int g = 0; g < 3; g++) {
                for (int k = 0; k < 2; k++) {
                    String name = label + "-" + g + "-" + k + ".wav";
                    float[] x = sound(label, rng, (int) (1.5 * FS));
                    WavWriter.write16(root.resolve(name), x, FS);
                    manifest.append(name).append(',').append(label).append(",train,").append(prefix).append(label).append(g)
                            .append(',').append(prefix).append(sources == 1 ? "synthetic" : "synthetic-" + g % sources)
                            .append(',').append(label).append(",1.5,CC0\n");
                }
            }
        }
        Files.writeString(root.resolve("manifest.csv"), manifest);
        return root;
    }

    /** {@code n} samples of quiet noise with the sound of {@code label} from a third of the way in, 0.5 s long. */
    public static float[] sound(String label, Random rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.01 * rng.nextGaussian());
        }
        int start = n / 3;
        for (int i = start; i < Math.min(n, start + FS / 2); i++) {
            double t = (i - start) / (double) FS;
            double v = switch (label) {
                case "shout" -> 0.3 * Math.sin(2 * Math.PI * (600 + 40 * Math.sin(30 * t)) * t);
                case "glass_break" -> 0.3 * Math.exp(-8 * t) * Math.sin(2 * Math.PI * 4500 * t);
                case "impact" -> 0.6 * Math.exp(-40 * t) * rng.nextGaussian();
                default -> 0;
            };
            x[i] += (float) v;
        }
        return x;
    }
}
