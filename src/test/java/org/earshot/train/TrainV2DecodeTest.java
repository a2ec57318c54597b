package org.earshot.train;

import org.earshot.audio.AudioClip;
import org.earshot.audio.AudioLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every clip of the train-v2 dataset (FLAC, 16 kHz mono 16-bit) decodes, at 16 kHz, to the duration its manifest's
 * {@code seconds} column states (to the column's millisecond rounding). Needs the dataset: set EARSHOT_DATASET_V2 to
 * its folder (e.g. ../shared/datasets/train-v2); otherwise the test is skipped and says so.
 */
class TrainV2DecodeTest {
    static final String ENV = "EARSHOT_DATASET_V2";

    @Test
    void everyClipDecodesToItsManifestDuration() throws IOException {
        String env = System.getenv(ENV);
        Assumptions.assumeTrue(env != null && !env.isBlank(),
                ENV + " not set: skipping the decoding of every train-v2 FLAC clip (set it to the dataset folder, "
                        + "e.g. " + ENV + "=../shared/datasets/train-v2)");
        Path dir = Path.of(env);
        Path manifest = dir.resolve("manifest.csv");
        assertTrue(Files.isRegularFile(manifest), ENV + "=" + env + " has no manifest.csv");
        List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        List<String> header = Csv.split(lines.get(0));
        int pathColumn = header.indexOf("path");
        int secondsColumn = header.indexOf("seconds");
        assertTrue(pathColumn >= 0 && secondsColumn >= 0, manifest + ": needs columns path and seconds");
        List<String> problems = new ArrayList<>();
        int decoded = 0;
        for (int n = 1; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            List<String> row = Csv.split(lines.get(n));
            Path file = dir.resolve(row.get(pathColumn));
            double seconds = Double.parseDouble(row.get(secondsColumn));
            try {
                AudioClip clip = AudioLoader.read(file);
                if (clip.sampleRate() != 16_000) {
                    problems.add(file + ": " + clip.sampleRate() + " Hz");
                } else if (Math.abs(clip.durationSeconds() - seconds) > 0.0005 + 1.0 / 16_000) {
                    problems.add(String.format(Locale.ROOT, "%s: %.4f s decoded, manifest says %.3f s", file,
                            clip.durationSeconds(), seconds));
                }
                decoded++;
            } catch (IOException e) {
                problems.add(e.getMessage());
            }
        }
        assertEquals(List.of(), problems, problems.size() + " of " + decoded + " clips");
        assertTrue(decoded > 0, manifest + " lists no clips");
    }

    /**
     * train-v1 and train-v2 read together (the way the dataset's README says to train): no group collides, the
     * clips add up, and the quality values are the two documented ones. Needs EARSHOT_DATASET (train-v1) too.
     */
    @Test
    void readsTogetherWithTrainV1() throws IOException {
        String v2 = System.getenv(ENV);
        String v1 = System.getenv("EARSHOT_DATASET");
        Assumptions.assumeTrue(v2 != null && !v2.isBlank() && v1 != null && !v1.isBlank()
                        && !v1.contains(java.io.File.pathSeparator),
                "EARSHOT_DATASET (train-v1) and " + ENV + " not both set: skipping reading them together");
        DatasetManifest one = DatasetManifest.read(Path.of(v1));
        DatasetManifest two = DatasetManifest.read(Path.of(v2));
        DatasetManifest both = DatasetManifest.read(List.of(Path.of(v1), Path.of(v2)));
        assertEquals(one.clips().size() + two.clips().size(), both.clips().size());
        assertEquals(java.util.Set.of("labelled by the source dataset",
                        "heuristic: emotion category + pitch/loudness rule, not listened to"),
                two.qualityCounts().keySet());
        DatasetManifest verified = both.excludingQualities(
                List.of("heuristic: emotion category + pitch/loudness rule, not listened to"));
        assertEquals(both.clips().size() - two.qualityCounts()
                .get("heuristic: emotion category + pitch/loudness rule, not listened to"), verified.clips().size());
    }
}
